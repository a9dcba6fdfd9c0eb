import { detectLanguage, isLanguage, type Language } from './language.js';

/** Where the header's choice of language is kept: every tab, and after a restart of the browser. */
const KEY = 'csc.language';

/** The language chosen in the header before, else the browser's (`navigator.languages`). */
export function initialLanguage(): Language {
  // Private modes may refuse storage: the browser's preference still applies.
  const stored = safely(() => localStorage.getItem(KEY));
  return isLanguage(stored) ? stored : detectLanguage(navigator.languages.length > 0 ? navigator.languages : [navigator.language]);
}

export function storeLanguage(language: Language): void {
  safely(() => localStorage.setItem(KEY, language));
}

function safely<T>(action: () => T): T | undefined {
  try {
    return action();
  } catch {
    return undefined;
  }
}
