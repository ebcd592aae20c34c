// The dashboard's production build through Vite's JavaScript API (web/vite.config.ts), used by
// scripts/build.mjs and by the browser tests (which build into a directory of their own). Prints
// each chunk's gzip size: the main chunk's is the figure the bundle budget is about (ADR 0095).
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Build web/ into `outDir`; returns each emitted asset with its raw and gzip sizes in bytes. */
export async function buildDashboard(outDir, { quiet = false } = {}) {
  const started = performance.now();
  const { build } = await import('vite');
  // A production bundle whoever calls: Vite (and the React plugin's JSX transform) follow NODE_ENV
  // when it is set, and vitest sets it to `test`, which would build React's development bundle.
  const nodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({
      configFile: join(root, 'web', 'vite.config.ts'),
      mode: 'production',
      logLevel: 'warn',
      build: { outDir, emptyOutDir: true },
    });
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
  const assets = readdirSync(join(outDir, 'assets')).map((name) => {
    const bytes = readFileSync(join(outDir, 'assets', name));
    return { name, bytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length };
  });
  if (!quiet) {
    const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
    const entry = readFileSync(join(outDir, 'index.html'), 'utf8');
    const lines = assets
      .sort((a, b) => b.gzipBytes - a.gzipBytes)
      .map(
        (a) =>
          `  ${entry.includes(a.name) ? '*' : ' '} ${a.name.padEnd(44)} ${kib(a.bytes).padStart(11)}  gzip ${kib(a.gzipBytes)}`,
      );
    console.error(
      `build: dashboard → ${relative(root, outDir)}/ in ${Math.round(performance.now() - started)} ms (* loaded by index.html)\n${lines.join('\n')}`,
    );
  }
  return assets;
}
