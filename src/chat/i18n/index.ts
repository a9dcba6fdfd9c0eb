import { en, type Catalog } from './en.js';
import { ko } from './ko.js';

export type { Catalog } from './en.js';

/** The languages the bots speak. */
export type Language = 'en' | 'ko';
/** The `CHAT_LANGUAGE` setting: follow each user's language (`auto`), or always one. */
export type LanguageSetting = 'auto' | Language;

const CATALOGS: Record<Language, Catalog> = { en, ko };

/** The language for a user whose platform says `userLanguage` (`ko`, `ko-KR`, `en-US`): Korean for `ko…`, else English, unless the setting fixes one. */
export function languageOf(userLanguage: string | undefined, setting: LanguageSetting = 'auto'): Language {
  if (setting !== 'auto') return setting;
  return userLanguage?.trim().toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

/** The catalog of a language. */
export function catalogOf(language: Language): Catalog {
  return CATALOGS[language];
}
