import { describe, expect, it } from 'vitest';
import { en } from '../frontend/src/i18n/en/index.js';
import { ko } from '../frontend/src/i18n/ko/index.js';
import { detectLanguage } from '../frontend/src/i18n/language.js';

/**
 * The dashboard's catalogs: Korean has exactly the English keys, each the same kind of entry, each
 * function the same parameters and using the same ones. The types hold most of it; this also holds
 * what they cannot see (extra keys under a widened record, an argument a translation forgets).
 */

type Entry = { path: string; value: unknown };

function walk(value: unknown, path = ''): Entry[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [{ path, value }];
  return Object.entries(value).flatMap(([key, child]) => walk(child, path === '' ? key : `${path}.${key}`));
}

/** Distinct markers as arguments: which of them a text shows says which parameters it uses. */
function used(fn: (...args: unknown[]) => unknown): string[] {
  const markers = Array.from({ length: fn.length }, (_, i) => `⟦${i}⟧`);
  const shown = String(fn(...markers));
  return markers.filter((marker) => shown.includes(marker));
}

describe('dashboard catalogs', () => {
  const english = new Map(walk(en).map((entry) => [entry.path, entry.value]));
  const korean = new Map(walk(ko).map((entry) => [entry.path, entry.value]));

  it('have the same keys', () => {
    expect([...korean.keys()].filter((key) => !english.has(key))).toEqual([]);
    expect([...english.keys()].filter((key) => !korean.has(key))).toEqual([]);
  });

  it('have the same kind of entry, the same parameters, and use the same ones', () => {
    const mismatches: string[] = [];
    for (const [path, value] of english) {
      const other = korean.get(path);
      if (typeof value !== typeof other) mismatches.push(`${path}: ${typeof value} vs ${typeof other}`);
      else if (typeof value === 'function' && typeof other === 'function') {
        const fn = value as (...args: unknown[]) => unknown;
        const ko = other as (...args: unknown[]) => unknown;
        if (fn.length !== ko.length) mismatches.push(`${path}: ${fn.length} vs ${ko.length} parameters`);
        else if (used(fn).join() !== used(ko).join()) mismatches.push(`${path}: uses ${used(fn).join()} vs ${used(ko).join()}`);
      } else if (typeof value === 'string' && (value === '') !== (other === '') && path !== 'overview.noneAfter') mismatches.push(`${path}: empty in one language only`);
    }
    expect(mismatches).toEqual([]);
  });

  it('is really translated: Korean texts are not the English ones', () => {
    const same = [...english].filter(([path, value]) => typeof value === 'string' && /[a-z]{4,}/.test(value) && korean.get(path) === value).map(([path]) => path);
    // Names of things (Codex) stay as they are; everything else is Korean.
    expect(same).toEqual(['overview.codex']);
  });

  it('picks the first language of the browser it speaks', () => {
    expect(detectLanguage(['ko-KR', 'en-US'])).toBe('ko');
    expect(detectLanguage(['fr-FR', 'en-GB', 'ko'])).toBe('en');
    expect(detectLanguage(['de', 'ko'])).toBe('ko');
    expect(detectLanguage(['de'])).toBe('en');
    expect(detectLanguage([])).toBe('en');
  });
});
