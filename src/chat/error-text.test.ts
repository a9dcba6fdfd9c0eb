import { describe, expect, it } from 'vitest';
import { catalogOf } from './i18n/index.js';
import { ChatTextError, errorText, OverdueSubmit } from './types.js';

describe('errorText', () => {
  it("says a failure in the reader's language when it has its words, and keeps English for logs", () => {
    const late = new ChatTextError((t) => t.gateway.publishLate(60));
    expect(late.message).toBe(catalogOf('en').gateway.publishLate(60));
    expect(errorText(catalogOf('ko'), late)).toBe(catalogOf('ko').gateway.publishLate(60));
    expect(errorText(catalogOf('ko'), late)).not.toBe(late.message);
    const overdue = new OverdueSubmit((t) => t.gateway.submitLate(30, false), Promise.reject(new Error('x')).catch(() => undefined) as never);
    expect(errorText(catalogOf('ko'), overdue)).toContain('30초');
  });

  it('passes any other error on as its message', () => {
    expect(errorText(catalogOf('ko'), new Error('the master said no'))).toBe('the master said no');
    expect(errorText(catalogOf('en'), 'plain')).toBe('plain');
  });
});
