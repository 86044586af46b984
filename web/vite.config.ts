import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';
import { precompress } from './build/precompress.ts';

// Built into the server's static files: src/Parley.Server/wwwroot/app/ (gitignored), served under
// /app/. The server answers /, /s/{id}, /m/{id}, /request and /r/... with app/index.html.
export default defineConfig({
  base: '/app/',
  plugins: [precompress()],
  build: {
    outDir: resolve(import.meta.dirname, '../src/Parley.Server/wwwroot/app'),
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    rolldownOptions: {
      input: {
        index: resolve(import.meta.dirname, 'index.html'),
        sw: resolve(import.meta.dirname, 'src/sw.ts'),
        format: resolve(import.meta.dirname, 'src/format/index.ts'),
      },
      preserveEntrySignatures: 'exports-only',
      output: {
        entryFileNames: (chunk) => (chunk.name === 'sw' ? 'sw.js' : chunk.name === 'format' ? 'assets/parley-format.js' : 'assets/[name]-[hash].js'),
      },
    },
  },
  test: {
    environment: 'node',
    include: ['test/**/*.test.ts'],
  },
});
