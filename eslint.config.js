// Flat config: typescript-eslint's recommended rules plus the package boundaries of STYLE.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const noImport = (names, why) => ({
  'no-restricted-imports': ['error', { paths: names.map((name) => ({ name, message: why })), patterns: names.map((n) => ({ group: [`${n}/*`], message: why })) }],
});

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', 'drizzle/**', '.loglore/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // The console's static files run in the browser, as plain ES modules.
    files: ['apps/console/public/**/*.js'],
    languageOptions: { globals: globals.browser, sourceType: 'module' },
  },
  {
    // The CLI's build script and launcher are plain JavaScript run by Node (no TypeScript loader).
    files: ['apps/cli/build.mjs', 'apps/cli/bin/**/*.js'],
    languageOptions: { globals: globals.node, sourceType: 'module' },
  },
  {
    files: ['apps/**/*.ts', 'packages/llm/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: noImport(['bullmq', 'drizzle-orm', 'pg', '@electric-sql/pglite'], 'Only packages/queue imports bullmq; only packages/db imports drizzle and pg (STYLE.md §4).'),
  },
  {
    files: ['packages/db/**/*.ts', 'packages/queue/**/*.ts'],
    rules: noImport(['openai', 'hono'], 'Storage and queue packages do not talk to models or HTTP.'),
  },
  {
    files: ['packages/core/**/*.ts'],
    rules: noImport(['bullmq', 'ioredis', 'pg', 'drizzle-orm', '@electric-sql/pglite', 'openai', 'hono', 'pino', 'node:fs', 'node:net', 'node:http', 'fs', 'net', 'http'], 'packages/core is pure: no I/O libraries (STYLE.md §4).'),
  },
);
