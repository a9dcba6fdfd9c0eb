import { describe, expect, it } from 'vitest';
import { parseTomlValue } from './toml-value.js';

describe('parseTomlValue', () => {
  it('reads TOML values: strings, numbers, booleans, arrays and inline tables', () => {
    expect(parseTomlValue('"gpt-5.5"')).toBe('gpt-5.5');
    expect(parseTomlValue("'C:\\path'")).toBe('C:\\path');
    expect(parseTomlValue('"tab\\there"')).toBe('tab\there');
    expect(parseTomlValue('false')).toBe(false);
    expect(parseTomlValue('1_000')).toBe(1000);
    expect(parseTomlValue('-1.5e3')).toBe(-1500);
    expect(parseTomlValue('[1, "two", [true],]')).toEqual([1, 'two', [true]]);
    expect(parseTomlValue('{ name = "fake", base_url = "http://127.0.0.1:9/v1", request_max_retries = 0 }')).toEqual({ name: 'fake', base_url: 'http://127.0.0.1:9/v1', request_max_retries: 0 });
    expect(parseTomlValue('{a.b = 1, "c d" = {}}')).toEqual({ a: { b: 1 }, 'c d': {} });
  });

  it('keeps what is not a TOML value as the raw string, as Codex does', () => {
    for (const raw of ['gpt-5.5', 'workspace-write', 'o3', '[1 2]', '{a = 1, a.b = 2}', '"unterminated', '{a=1 b=2}']) expect(parseTomlValue(raw)).toBe(raw);
  });
});
