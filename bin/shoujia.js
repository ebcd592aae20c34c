#!/usr/bin/env node
// The `shoujia` command: runs the JavaScript compiled into dist/ (ADR 0067). Without dist/, or with a
// dist/ older than src/ (a fresh clone: .npmrc's ignore-scripts skips `prepare`), it builds dist/
// once (a few seconds); only if that is impossible does it run the sources through tsx.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const built = new URL('dist/BUILD', root);
const sources = new URL('src/', root);

const webSources = new URL('web/', root);

/**
 * Newest modification time under src/ and web/ (the dashboard, built into dist/web) — a checkout;
 * an installed package may ship dist/ only.
 */
function newestSourceMs() {
  let newest = 0;
  for (const [dir, pattern] of [
    [sources, /\.ts$/],
    [webSources, /\.(ts|tsx|css|html)$/],
  ]) {
    if (!existsSync(dir)) continue;
    for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true }))
      if (entry.isFile() && pattern.test(entry.name) && !entry.name.endsWith('.test.ts'))
        newest = Math.max(newest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs);
  }
  return newest;
}

function staleReason() {
  if (!existsSync(built)) return 'dist/ is missing';
  if (statSync(built).mtimeMs < newestSourceMs()) return 'dist/ is older than src/';
  return undefined;
}

let main;
let reason = staleReason();
const buildScript = new URL('scripts/build.mjs', root);
if (reason !== undefined && existsSync(buildScript)) {
  console.error(`shoujia: ${reason}; building it once (npm run build)`);
  spawnSync(process.execPath, [buildScript.pathname], { stdio: ['ignore', 'ignore', 'inherit'] });
  reason = staleReason();
}
if (reason === undefined) {
  ({ main } = await import(new URL('dist/cli/main.js', root).href));
} else {
  console.error(`shoujia: ${reason} (run \`npm run build\`); running the sources through tsx, slower to start`);
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(new URL('src/cli/main.ts', root).href));
}
process.exitCode = await main(process.argv.slice(2));
