// Writes a brotli (.br) and a gzip (.gz) copy next to every text file of the build, at the strongest
// settings: compressing once here costs nothing per request, and the server (WebUi's
// PrecompressedFiles) picks a copy by Accept-Encoding instead of compressing on the fly. Only these
// static files are ever sent compressed; the API's answers, which carry secrets, never are.
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

const compressible = /\.(?:js|mjs|css|html|svg|json|txt|webmanifest)$/;

async function* files(dir: string): AsyncGenerator<string> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* files(path);
    else if (compressible.test(entry.name)) yield path;
  }
}

function compressedCopies(text: Buffer): { br: Buffer; gz: Buffer } {
  return {
    br: brotliCompressSync(text, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
        [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
        [constants.BROTLI_PARAM_SIZE_HINT]: text.length,
      },
    }),
    gz: gzipSync(text, { level: 9 }),
  };
}

export function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'parley-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    async closeBundle() {
      for await (const path of files(outDir)) {
        const text = await readFile(path);
        const { br, gz } = compressedCopies(text);
        // A copy that is not smaller is not worth a lookup: the server then sends the file as it is.
        if (br.length < text.length) await writeFile(`${path}.br`, br);
        if (gz.length < text.length) await writeFile(`${path}.gz`, gz);
      }
    },
  };
}
