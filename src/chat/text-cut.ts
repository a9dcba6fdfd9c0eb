/**
 * Shortening text without breaking characters. A cut inside a UTF-16 surrogate pair leaves a lone
 * surrogate, which is not valid UTF-8 (Telegram refuses the whole message); a cut inside a
 * grapheme cluster (an emoji with a skin tone, a flag, a decomposed Hangul syllable) shows a
 * broken character. So every cut is moved back to the nearest grapheme boundary.
 */

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The largest grapheme boundary ≤ `at` (0 when the first cluster is longer than `at`). */
export function graphemeCut(text: string, at: number): number {
  if (at >= text.length) return text.length;
  if (at <= 0) return 0;
  // Segmented from the start: where a cluster begins can depend on everything before it (a run
  // of flags pairs its regional indicators from the first). The code point at `at` is included,
  // since it decides whether it extends the cluster before it.
  let boundary = 0;
  for (const { index } of graphemes.segment(text.slice(0, Math.min(text.length, at + 2)))) {
    if (index > at) break;
    boundary = index;
  }
  return boundary;
}

/** The largest index ≤ `at` that is not inside a surrogate pair. */
export function codePointCut(text: string, at: number): number {
  if (at <= 0 || at >= text.length) return Math.max(0, Math.min(at, text.length));
  const code = text.charCodeAt(at);
  const before = text.charCodeAt(at - 1);
  const splitsPair = code >= 0xdc00 && code <= 0xdfff && before >= 0xd800 && before <= 0xdbff;
  return splitsPair ? at - 1 : at;
}

/** The text on one line, at most `max` UTF-16 units, cut on a grapheme boundary with `…` when longer. */
export function clipLine(text: string, max: number): string {
  return clipText(text.replace(/\s+/g, ' ').trim(), max);
}

/** The text, at most `max` UTF-16 units, cut on a grapheme boundary with `…` when longer. */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, graphemeCut(text, max - 1))}…`;
}
