import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package root: one level up from both `src/` (tests) and `dist/` (installed CLI). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../', import.meta.url));

/** The package version, reported to peers and in `--version`. */
export const VERSION: string = (JSON.parse(readFileSync(`${PACKAGE_ROOT}package.json`, 'utf8')) as { version: string }).version;
