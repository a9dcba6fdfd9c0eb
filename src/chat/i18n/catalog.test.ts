import { describe, expect, it } from 'vitest';
import { en } from './en.js';
import { ko } from './ko.js';
import { languageOf } from './index.js';

type Leaf = { path: string; value: unknown };

/** Every text of a catalog with its path: strings, functions, and the strings of lists. */
function leaves(value: unknown, path = ''): Leaf[] {
  if (typeof value === 'string' || typeof value === 'function') return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((item, i) => leaves(item, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([key, item]) => leaves(item, path === '' ? key : `${path}.${key}`));
  return [{ path, value }];
}

/** A function's text with a marker for each parameter, so that each language's use of them can be compared. */
function probe(fn: (...args: unknown[]) => unknown): string {
  return String(fn(...Array.from({ length: fn.length }, (_, i) => `⟦${i}⟧`)));
}

const markers = (text: string) => [...text.matchAll(/⟦\d+⟧/g)].map((m) => m[0]).sort();

/** Texts that are the same in both languages (names, symbols, a value alone). */
const SAME = new Set([
  'commands.title',
  'files.transcript',
  'files.megabytes',
  'job.changedFile',
  'job.reportedFile',
  'job.more',
  'pipeline.step',
  'questions.changedFile',
  'questions.withText',
  'questions.whoVia',
  'questions.via.cli',
  'questions.via.api',
  'runner.mcp',
  'runner.answered',
  'status.node',
  'status.nodesTitle',
]);

describe('the chat catalogs', () => {
  const enLeaves = leaves(en);
  const koLeaves = new Map(leaves(ko).map((leaf) => [leaf.path, leaf.value]));

  it('have the same texts in both languages, none missing and none extra', () => {
    expect([...koLeaves.keys()].sort()).toEqual(enLeaves.map((leaf) => leaf.path).sort());
  });

  it('take the same parameters, use each the same, and are all written', () => {
    for (const { path, value } of enLeaves) {
      const other = koLeaves.get(path);
      expect(typeof other, path).toBe(typeof value);
      if (typeof value === 'function' && typeof other === 'function') {
        expect(other.length, `${path}: parameters`).toBe(value.length);
        const [enText, koText] = [probe(value as (...args: unknown[]) => unknown), probe(other as (...args: unknown[]) => unknown)];
        expect(markers(koText), `${path}: placeholders`).toEqual(markers(enText));
        expect(koText.trim(), path).not.toBe('');
      }
      if (typeof value === 'string') expect((other as string).trim(), path).not.toBe('');
    }
  });

  it('say it in Korean, not English left over', () => {
    const untranslated = enLeaves.filter(({ path, value }) => {
      const other = koLeaves.get(path);
      const text = typeof other === 'function' ? probe(other as (...args: unknown[]) => unknown) : String(other);
      const enText = typeof value === 'function' ? probe(value as (...args: unknown[]) => unknown) : String(value);
      return !SAME.has(path) && !/[가-힣]/.test(text) && text === enText;
    });
    expect(untranslated.map((leaf) => leaf.path)).toEqual([]);
  });

  it('choose Korean for ko users, English otherwise, unless the setting says', () => {
    expect(['ko', 'ko-KR', 'KO_kr'].map((l) => languageOf(l))).toEqual(['ko', 'ko', 'ko']);
    expect(['en', 'en-US', 'fr', undefined, ''].map((l) => languageOf(l))).toEqual(['en', 'en', 'en', 'en', 'en']);
    expect(languageOf('en', 'ko')).toBe('ko');
    expect(languageOf('ko', 'en')).toBe('en');
  });
});
