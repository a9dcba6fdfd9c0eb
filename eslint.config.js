import js from '@eslint/js';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import importX from 'eslint-plugin-import-x';
import reactHooks from 'eslint-plugin-react-hooks';
import tseslint from 'typescript-eslint';

/** `from` may not be imported by `target`: the layers, lowest first, import only downwards. */
const layer = (target, ...from) => ({ target: `./src/${target}`, from: from.map((f) => `./src/${f}`) });
const ABOVE_CONFIG = ['log', 'codex', 'node', 'chat', 'bridge', 'telegram', 'master', 'doctor', 'cli'];

export default tseslint.config(
  { ignores: ['dist/**', 'frontend/dist/**', 'node_modules/**', 'bin/**', 'test-artifacts/**', 'eslint.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    settings: {
      'import-x/resolver-next': [createTypeScriptImportResolver({ project: ['tsconfig.json', 'frontend/tsconfig.json'], noWarnOnMultipleProjects: true })],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.tsx'] },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      eqeqeq: ['error', 'smart'],
      'no-console': 'off',
      // Modules that import each other, types included, are one module in two files: cut the cycle.
      'import-x/no-cycle': 'error',
    },
  },
  {
    // The folders are the layers: protocol at the bottom, the CLI at the top. Tests may reach across.
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts', 'src/test-support/**'],
    rules: {
      'import-x/no-restricted-paths': [
        'error',
        {
          zones: [
            { target: './src/protocol', from: './src', except: ['./protocol'] },
            layer('config', ...ABOVE_CONFIG),
            layer('log', ...ABOVE_CONFIG.filter((f) => f !== 'log')),
            layer('codex', 'node', 'chat', 'bridge', 'telegram', 'master', 'cli'),
            layer('node', 'chat', 'bridge', 'telegram', 'master', 'cli'),
            layer('chat', 'codex', 'node', 'bridge', 'telegram', 'master', 'cli'),
            layer('bridge', 'telegram', 'master', 'cli'),
            layer('telegram', 'master', 'cli'),
            layer('master', 'codex', 'node', 'chat', 'bridge', 'telegram', 'cli'),
            // `csc doctor` looks at everything from outside, as a client does: only the CLI uses it.
            layer('doctor', 'node', 'chat', 'bridge', 'telegram', 'master', 'cli'),
            ...['codex', 'node', 'chat', 'bridge', 'telegram', 'master'].map((below) => layer(below, 'doctor')),
            // Inside the master: the store knows no service, the hub no jobs, and nothing below the HTTP layer knows it.
            layer('master/store', 'master/hub', 'master/jobs', 'master/http', 'master/auth', 'master/bridges', 'master/settings', 'master/remote-nodes', 'master/maintenance'),
            // The sweeper works on the store alone: it never reaches into the services it runs beside.
            layer('master/maintenance', 'master/hub', 'master/jobs', 'master/http', 'master/bridges'),
            layer('master/hub', 'master/jobs', 'master/http', 'master/bridges', 'master/settings', 'master/remote-nodes'),
            layer('master/jobs', 'master/http', 'master/bridges', 'master/auth'),
            layer('master/auth', 'master/hub', 'master/jobs', 'master/http', 'master/bridges'),
            layer('master/bridges', 'master/http'),
            // The engine registers the commands; the commands know it only as a `CommandHost`.
            layer('chat/commands.ts', 'chat/engine.ts'),
          ],
        },
      ],
    },
  },
  {
    files: ['frontend/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    rules: { ...reactHooks.configs.recommended.rules },
  },
);
