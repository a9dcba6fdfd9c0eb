import { describe, expect, it } from 'vitest';
import { DiffCollector, diffParts } from './diff-text.js';

const encoded = (text: string) => Buffer.byteLength(JSON.stringify(text)) - 2;

describe('diffParts', () => {
  it('cuts at line ends into parts within the budget, JSON escapes counted, and joins back to the diff', () => {
    const text = Array.from({ length: 500 }, (_, i) => `+line ${i}\t"quoted"\u0001 한글 😀\n`).join('');
    const parts = diffParts(text, 1024);
    expect(parts.join('')).toBe(text);
    for (const part of parts) {
      expect(encoded(part)).toBeLessThanOrEqual(1024);
      expect(part.endsWith('\n')).toBe(true);
    }
  });

  it('cuts a line longer than a part within it, never inside a surrogate pair', () => {
    const line = `+${'😀'.repeat(3000)}\n`;
    const parts = diffParts(line, 1000);
    expect(parts.join('')).toBe(line);
    for (const part of parts) {
      expect(encoded(part)).toBeLessThanOrEqual(1000);
      expect(part).toBe(Buffer.from(part, 'utf8').toString('utf8'));
    }
  });

  it('has no part for an empty diff', () => {
    expect(diffParts('')).toEqual([]);
  });
});

describe('DiffCollector', () => {
  const file = (name: string, lines: number) => `diff --git a/${name} b/${name}\n${'+x\n'.repeat(lines)}`;

  it('keeps a diff under the cap whole', () => {
    const collector = new DiffCollector(1024);
    collector.add(Buffer.from(file('a', 10)));
    expect(collector.result()).toEqual({ text: file('a', 10), bytes: file('a', 10).length, truncated: false });
  });

  it('cuts before the first file that does not fit whole, counting every byte, with a note', () => {
    const whole = file('a', 10) + file('b', 100) + file('c', 10);
    const collector = new DiffCollector(200);
    for (let i = 0; i < whole.length; i += 7) collector.add(Buffer.from(whole.slice(i, i + 7)));
    const { text, bytes, truncated } = collector.result();
    expect({ bytes, truncated }).toEqual({ bytes: whole.length, truncated: true });
    expect(text.startsWith(`${file('a', 10)}[csc: the diff stops here: it is ${whole.length} bytes, more than the 200 this node sends`)).toBe(true);
  });

  it('cuts at a line end when even the first file is over the cap', () => {
    const collector = new DiffCollector(100);
    collector.add(Buffer.from(file('a', 100)));
    const { text } = collector.result();
    const kept = text.slice(0, text.indexOf('[csc:'));
    expect(kept.length).toBeLessThanOrEqual(100);
    expect(file('a', 100).startsWith(kept)).toBe(true);
    expect(kept.endsWith('\n')).toBe(true);
  });
});
