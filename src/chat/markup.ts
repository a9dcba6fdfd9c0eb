import { codePointCut, graphemeCut } from './text-cut.js';

/**
 * How one platform marks text up. Everything the engine shows goes through one of these, so a
 * user's text can never break a message's entities (Telegram refuses the whole message then).
 */
export interface Markup {
  /** Telegram's `parse_mode` for this markup (undefined: plain text). */
  readonly parseMode: 'MarkdownV2' | 'HTML' | 'Markdown' | undefined;
  escape(text: string): string;
  bold(text: string): string;
  code(text: string): string;
  link(label: string, url: string): string;
  /** The largest index ≤ `at` where `text` may be cut without splitting an escape or entity. */
  safeCut(text: string, at: number): number;
}

/** Moves a cut before a trailing odd run of backslashes, so `\.` is never split. */
function cutBeforeEscape(text: string, at: number): number {
  let slashes = 0;
  while (at - slashes - 1 >= 0 && text[at - slashes - 1] === '\\') slashes++;
  return slashes % 2 === 1 ? at - 1 : at;
}

/** Moves a cut before an HTML entity (`&amp;`) or tag it would split. */
function cutBeforeHtmlToken(text: string, at: number): number {
  const amp = text.lastIndexOf('&', at - 1);
  const lt = text.lastIndexOf('<', at - 1);
  if (amp >= 0 && text.indexOf(';', amp) >= at) return amp;
  if (lt >= 0 && text.indexOf('>', lt) >= at) return lt;
  return at;
}

const plain: Markup = {
  parseMode: undefined,
  escape: (text) => text,
  bold: (text) => text,
  code: (text) => text,
  link: (label, url) => `${label}: ${url}`,
  safeCut: (_text, at) => at,
};

const MARKDOWN_V2_SPECIAL = /[_*[\]()~`>#+\-=|{}.!\\]/g;

/** Telegram MarkdownV2: every one of ``_*[]()~`>#+-=|{}.!`` and `\` escaped outside entities. */
const markdownV2: Markup = {
  parseMode: 'MarkdownV2',
  escape: (text) => text.replace(MARKDOWN_V2_SPECIAL, '\\$&'),
  bold: (text) => `*${markdownV2.escape(text)}*`,
  code: (text) => `\`${text.replace(/[`\\]/g, '\\$&')}\``,
  link: (label, url) => `[${markdownV2.escape(label)}](${url.replace(/[)\\]/g, '\\$&')})`,
  safeCut: cutBeforeEscape,
};

const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

const html: Markup = {
  parseMode: 'HTML',
  escape: escapeHtml,
  bold: (text) => `<b>${escapeHtml(text)}</b>`,
  code: (text) => `<code>${escapeHtml(text)}</code>`,
  link: (label, url) => `<a href="${escapeHtml(url).replace(/"/g, '&quot;')}">${escapeHtml(label)}</a>`,
  safeCut: cutBeforeHtmlToken,
};

/** Telegram's legacy Markdown: only `_*`[` are special, and entities cannot nest. */
const markdown: Markup = {
  parseMode: 'Markdown',
  escape: (text) => text.replace(/[_*`[]/g, '\\$&'),
  bold: (text) => `*${text.replace(/[*]/g, '')}*`,
  code: (text) => `\`${text.replace(/`/g, "'")}\``,
  link: (label, url) => `[${label.replace(/[\]]/g, '')}](${url})`,
  safeCut: cutBeforeEscape,
};

/** Slack mrkdwn: `&<>` are the only characters that must be escaped. */
export const slackMarkup: Markup = {
  parseMode: undefined,
  escape: escapeHtml,
  bold: (text) => `*${escapeHtml(text.replace(/\*/g, ''))}*`,
  code: (text) => `\`${escapeHtml(text.replace(/`/g, "'"))}\``,
  link: (label, url) => `<${url}|${escapeHtml(label.replace(/[|>]/g, ''))}>`,
  safeCut: cutBeforeHtmlToken,
};

/** The largest index ≤ `at` that splits neither the markup nor a character; never 0, so a split always advances. */
export function cutPoint(text: string, at: number, markup: Markup): number {
  let cut = at;
  // Each step only moves the cut back, so this ends; both rules hold where it stops.
  for (;;) {
    const next = graphemeCut(text, markup.safeCut(text, cut));
    if (next === cut) break;
    cut = next;
  }
  return cut > 0 ? cut : Math.max(1, codePointCut(text, at));
}

/** The markup for a Telegram `parse_mode` setting (empty: plain text). */
export function telegramMarkup(parseMode: '' | 'MarkdownV2' | 'HTML' | 'Markdown'): Markup {
  return { '': plain, MarkdownV2: markdownV2, HTML: html, Markdown: markdown }[parseMode];
}

/**
 * Splits formatted text into messages of at most `limit` characters (UTF-16 units): at a line
 * break if one is in the second half, else at a space, else anywhere, never inside an escape, an
 * entity or a character (a grapheme cluster: an emoji, a Hangul syllable).
 */
export function splitMessage(text: string, limit: number, markup: Markup): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    let cut = rest.lastIndexOf('\n', limit);
    if (cut < limit / 2) cut = rest.lastIndexOf(' ', limit);
    if (cut < limit / 2) cut = limit;
    cut = cutPoint(rest, cut, markup);
    parts.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^\s+/, '');
  }
  if (rest.length > 0) parts.push(rest);
  return parts.filter((part) => part.length > 0);
}
