import { describe, expect, it } from 'vitest';
import { checkMarkdownV2 } from '../test-support/telegram-formats.js';
import { progressText } from './format.js';
import { en } from './i18n/en.js';
import { splitMessage, telegramMarkup } from './markup.js';
import { clipLine, clipText, graphemeCut } from './text-cut.js';

const md = telegramMarkup('MarkdownV2');
const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** No lone surrogate (what Telegram refuses as invalid UTF-8). */
const wellFormed = (text: string) => !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(text);
const clusters = (text: string) => [...segmenter.segment(text)].map((s) => s.segment);

/** Whether `parts` are whole clusters of `text`: joined again, no cluster of the original is split. */
function cutsOnClusters(parts: string[]): boolean {
  return parts.every((part) => wellFormed(part) && clusters(part).every((c) => !/^(?:[\u{1F3FB}-\u{1F3FF}]|\u200d|\uFE0F)/u.test(c)));
}

describe('cutting text on characters', () => {
  const family = '👨‍👩‍👧‍👦';
  const thumbs = '👍🏽';
  const hangulNfd = '한국어'.normalize('NFD');

  it('never cuts a surrogate pair or a cluster, whatever the limit', () => {
    for (const text of ['😀'.repeat(50), family.repeat(10), `a${thumbs.repeat(20)}`, hangulNfd.repeat(20), '🇰🇷🇺🇸'.repeat(10)]) {
      for (let at = 0; at <= text.length; at++) {
        const cut = graphemeCut(text, at);
        expect(cut).toBeLessThanOrEqual(at);
        const head = text.slice(0, cut);
        expect(wellFormed(head)).toBe(true);
        // A cut between clusters leaves the clusters of both halves as in the whole text.
        expect([...clusters(head), ...clusters(text.slice(cut))]).toEqual(clusters(text));
      }
    }
  });

  it('clips emoji and Korean with an ellipsis, within the length', () => {
    expect(clipText('😀'.repeat(10), 6)).toBe('😀😀…');
    expect(clipText(family.repeat(3), 12)).toBe(`${family}…`);
    expect(clipLine('가나다\n라마바', 5)).toBe('가나다 …');
    const clipped = clipText(hangulNfd.repeat(5), 10);
    expect(clipped.length).toBeLessThanOrEqual(10);
    expect(clipped.normalize('NFC').slice(0, -1)).toMatch(/^[가-힣]+$/);
  });

  it('keeps a 200-character progress line of emoji valid for Telegram', () => {
    const job = { id: 1, status: 'running' as const, prompt: 'p', createdAt: '', lastSeq: 0 };
    const text = progressText(en, md, job, `${'x'.repeat(197)}${'😀'.repeat(100)}`);
    expect(wellFormed(text)).toBe(true);
    expect(checkMarkdownV2(text)).not.toHaveProperty('error');
    expect(text).toContain('x😀…');
  });

  it('splits at 4096 between characters: emoji, a skin tone, Korean', () => {
    for (const unit of ['😀', thumbs, family, '한', hangulNfd]) {
      const text = md.escape(`${'a'.repeat(4095)}${unit.repeat(3000)}`);
      const parts = splitMessage(text, 4096, md);
      expect(parts.every((p) => p.length <= 4096 && !('error' in checkMarkdownV2(p)))).toBe(true);
      expect(cutsOnClusters(parts)).toBe(true);
      expect(parts.join('')).toBe(text);
    }
  });
});
