import { en, type Catalog } from './en/index.js';
import { ko } from './ko/index.js';
import type { Language } from './language.js';

export const CATALOGS: Record<Language, Catalog> = { en, ko };

let active: Catalog = en;

/**
 * The catalog of the language shown, for code outside components (log folding, question wording,
 * units, error messages). Components use `useT()`; the provider switches both together and redraws
 * the page, so both always agree.
 */
export const text = (): Catalog => active;

export function activate(language: Language): void {
  active = CATALOGS[language];
}
