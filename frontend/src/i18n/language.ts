/** The dashboard's languages and how the browser's preference picks one (no DOM: the catalog test runs in Node). */
export type Language = 'en' | 'ko';

export const LANGUAGES: readonly Language[] = ['en', 'ko'];

export const isLanguage = (value: unknown): value is Language => typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);

/** The first of the browser's languages the dashboard speaks (`ko-KR` → ko); English otherwise. */
export function detectLanguage(preferred: readonly string[]): Language {
  for (const tag of preferred) {
    const base = tag.toLowerCase().split('-')[0];
    if (isLanguage(base)) return base;
  }
  return 'en';
}
