/** Block Kit as the Slack stand-in checks it. */
import { randomUUID } from 'node:crypto';

/** A Block Kit block as stored (Slack gives every block a `block_id`). */
export interface SlackBlock {
  type: string;
  block_id: string;
  text?: { type: string; text: string };
  elements?: { type: string; action_id?: string; text?: { type: string; text: string }; value?: string; style?: string }[];
}

/**
 * Block Kit limits Slack checks before it takes a message; a breach fails the whole call with
 * `invalid_blocks`. Only `section` and button `actions` blocks are known here: others are refused
 * too, so that a test using one extends the stand-in first.
 */
const LIMITS = { blocks: 50, sectionText: 3000, elements: 25, label: 75, value: 2000, actionId: 255 };

/** `blocks` as the Web API client sends it (a JSON string in a form field), checked against Block Kit's limits and given `block_id`s. */
export function parseBlocks(raw: unknown): SlackBlock[] | 'invalid' | undefined {
  if (raw === undefined) return undefined;
  const blocks = (typeof raw === 'string' ? JSON.parse(raw) : raw) as (Omit<SlackBlock, 'block_id'> & { block_id?: string })[];
  if (!Array.isArray(blocks) || blocks.length > LIMITS.blocks || !blocks.every(validBlock)) return 'invalid';
  return blocks.map((block) => ({ ...block, block_id: block.block_id ?? randomUUID().slice(0, 5) }));
}

function validBlock(block: Omit<SlackBlock, 'block_id'>): boolean {
  if (block.type === 'section') return typeof block.text?.text === 'string' && block.text.text.length > 0 && block.text.text.length <= LIMITS.sectionText;
  if (block.type !== 'actions') return false;
  const elements = block.elements ?? [];
  const ids = new Set(elements.map((e) => e.action_id));
  return (
    elements.length > 0 &&
    elements.length <= LIMITS.elements &&
    ids.size === elements.length &&
    elements.every((e) => e.type === 'button' && (e.action_id ?? '').length <= LIMITS.actionId && (e.text?.text.length ?? 0) <= LIMITS.label && (e.value ?? '').length <= LIMITS.value && (e.style === undefined || e.style === 'primary' || e.style === 'danger'))
  );
}
