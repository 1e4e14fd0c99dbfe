import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (path: string) => fileURLToPath(new URL(`./src/${path}`, import.meta.url));

export default defineConfig({
  // examples and documentation import the package by its name ('gr2', 'gr2/sid', ...): map it to the sources,
  // so they run without a build (tsc and tsx read the same mapping from tsconfig.json "paths")
  resolve: {
    alias: [
      { find: /^gr2$/, replacement: src('index.ts') },
      { find: /^gr2\/(backend|sid|metrics|rewards|rl|prompt|sampling|generate|data|testing|export|cli)$/, replacement: src('$1/index.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts', 'examples/**/*.test.ts'],
    exclude: ['test/gpu/**', 'node_modules/**', 'dist/**'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: 'forks',
  },
});
