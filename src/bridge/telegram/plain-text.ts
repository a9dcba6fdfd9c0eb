import type { Markup } from '../../chat/index.js';

/**
 * A text formatted in `markup` as plain text: the markup's escapes undone, its entities dropped,
 * links as "label (url)". For sending again a message Telegram refused to parse: the words
 * matter more than the bold.
 */
export function plainText(text: string, markup: Markup): string {
  switch (markup.parseMode) {
    case 'MarkdownV2':
      return unmarkdown(text, '*_~|');
    case 'Markdown':
      return unmarkdown(text, '*_');
    case 'HTML':
      return unhtml(text);
    default:
      return text;
  }
}

const MARKDOWN_LINK = /(?<!\\)\[((?:\\.|[^\]\\])*)\]\(((?:\\.|[^)\\])*)\)/g;

/** Drops unescaped entity marks (`markers` and backticks, whose content stays) and undoes `\x` escapes. */
function unmarkdown(text: string, markers: string): string {
  const linked = text.replace(MARKDOWN_LINK, (_all, label: string, url: string) => `${label} (${url})`);
  let plain = '';
  let inCode = false;
  for (let i = 0; i < linked.length; i++) {
    const ch = linked[i] as string;
    if (ch === '\\' && i + 1 < linked.length) {
      plain += linked[++i];
    } else if (ch === '`') {
      inCode = !inCode;
    } else if (inCode || !markers.includes(ch)) {
      plain += ch;
    }
  }
  return plain;
}

const ENTITIES: Record<string, string> = { '&lt;': '<', '&gt;': '>', '&quot;': '"', '&amp;': '&' };

function unhtml(text: string): string {
  return text
    .replace(/<a\s+href="([^"]*)"\s*>(.*?)<\/a>/gs, (_all, url: string, label: string) => `${label} (${url})`)
    .replace(/<\/?[a-z][^>]*>/gi, '')
    .replace(/&(lt|gt|quot|amp);/g, (entity) => ENTITIES[entity] ?? entity);
}
