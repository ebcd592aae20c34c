#!/usr/bin/env node
// The `shoujia` command: runs the JavaScript that `npm install` / `npm run build` compiled into
// dist/ (ADR 0067). Without dist/, or with a dist/ older than src/, it says so on stderr and runs
// the TypeScript sources through tsx (correct, slower to start).
import { existsSync, readdirSync, statSync } from 'node:fs';

const root = new URL('../', import.meta.url);
const built = new URL('dist/BUILD', root);
const sources = new URL('src/', root);

/** Newest modification time under src/ (a checkout; an installed package may ship dist/ only). */
function newestSourceMs() {
  if (!existsSync(sources)) return 0;
  let newest = 0;
  for (const entry of readdirSync(sources, { recursive: true, withFileTypes: true }))
    if (entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
      newest = Math.max(newest, statSync(`${entry.parentPath}/${entry.name}`).mtimeMs);
  return newest;
}

let main;
const reason = !existsSync(built)
  ? 'dist/ is missing'
  : statSync(built).mtimeMs < newestSourceMs()
    ? 'dist/ is older than src/'
    : undefined;
if (reason === undefined) {
  ({ main } = await import(new URL('dist/cli/main.js', root).href));
} else {
  console.error(`shoujia: ${reason} (run \`npm run build\`); running the sources through tsx, slower to start`);
  const { register } = await import('tsx/esm/api');
  register();
  ({ main } = await import(new URL('src/cli/main.ts', root).href));
}
process.exitCode = await main(process.argv.slice(2));
