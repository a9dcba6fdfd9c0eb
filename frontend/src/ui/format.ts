import { text } from '../i18n/active.js';
import type { Language } from '../i18n/language.js';

/** Times and sizes the way a person reads them, in the dashboard's language; times are local. */

let clock = new Intl.DateTimeFormat('en', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
let dated = new Intl.DateTimeFormat('en', { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
let count = new Intl.NumberFormat('en');

/** Formats follow the language shown (set with it, before the page draws in it). */
export function configureFormats(language: Language): void {
  clock = new Intl.DateTimeFormat(language, { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  dated = new Intl.DateTimeFormat(language, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
  count = new Intl.NumberFormat(language);
}

/** Today's times as a clock, older ones with their date. */
export function formatTime(iso: string): string {
  const date = new Date(iso);
  return date.toDateString() === new Date().toDateString() ? clock.format(date) : dated.format(date);
}

export function formatAgo(iso: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 5) return text().units.justNow;
  return text().units.ago(formatSpan(seconds));
}

/** 42 s, 5 min, 3 h 12 min, 2 d 4 h. */
export function formatSpan(seconds: number): string {
  const units = text().units;
  if (seconds < 60) return units.seconds(seconds);
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return units.minutes(minutes);
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return units.hoursMinutes(hours, minutes % 60);
  return units.daysHours(Math.floor(hours / 24), hours % 24);
}

export function formatDuration(ms: number): string {
  const units = text().units;
  return ms < 1000 ? units.milliseconds(ms) : ms < 60_000 ? units.decimalSeconds((ms / 1000).toFixed(1)) : formatSpan(Math.round(ms / 1000));
}

export const formatCount = (n: number): string => count.format(n);

/** "a, b  c" → ["a", "b", "c"]: what list fields accept. */
export function parseList(text: string): string[] {
  return text
    .split(/[\s,]+/)
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}
