import { createContext, useContext, useState, type ReactNode } from 'react';
import { configureFormats } from '../ui/format';
import { CATALOGS, activate } from './active';
import type { Catalog } from './en/index.js';
import type { Language } from './language.js';
import { initialLanguage, storeLanguage } from './preference.js';

interface LanguageChoice {
  language: Language;
  catalog: Catalog;
  choose: (language: Language) => void;
}

const LanguageContext = createContext<LanguageChoice>({ language: 'en', catalog: CATALOGS.en, choose: () => undefined });

/** Makes `language` the one everything speaks: catalogs, number and date formats, `<html lang>`. */
function apply(language: Language): Language {
  activate(language);
  configureFormats(language);
  document.documentElement.lang = language;
  return language;
}

/** The dashboard's language: the one chosen before (localStorage), else the browser's; switchable with `choose`. */
export function LanguageProvider({ children }: { children: ReactNode }) {
  const [language, setLanguage] = useState(() => apply(initialLanguage()));
  const choose = (next: Language): void => {
    storeLanguage(next);
    setLanguage(apply(next));
  };
  return <LanguageContext.Provider value={{ language, catalog: CATALOGS[language], choose }}>{children}</LanguageContext.Provider>;
}

/** The texts of the language shown. */
export const useT = (): Catalog => useContext(LanguageContext).catalog;

/** The language shown and how to change it (the header's switcher). */
export const useLanguage = (): LanguageChoice => useContext(LanguageContext);
