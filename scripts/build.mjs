// `npm run build` (and `prepare`, so npm install and npm ci run it): src/**/*.ts → dist/**/*.js,
// one file at a time with TypeScript's transpiler (no type check: `npm run typecheck` does that).
// dist/ mirrors src/ at the same depth, so paths like '../../drizzle' resolve alike (ADR 0067).
// Then the dashboard: web/ → dist/web/ with Vite's API (ADR 0095), hashed assets, sizes reported.
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'src');
const dist = join(root, 'dist');

let ts;
try {
  ts = (await import('typescript')).default;
} catch {
  // An install without devDependencies: bin/shoujia.js runs the sources through tsx instead.
  console.error('build: typescript is not installed (devDependency); skipping, shoujia will run from src/ through tsx');
  process.exit(0);
}

const started = performance.now();
// Written beside dist/ and renamed into place, so a process starting meanwhile never sees half a build.
const staging = join(root, `.dist-${process.pid}`);
rmSync(staging, { recursive: true, force: true });
const files = readdirSync(src, { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts'))
  .map((entry) => join(entry.parentPath, entry.name));
const compilerOptions = {
  target: ts.ScriptTarget.ES2022,
  module: ts.ModuleKind.ESNext,
  verbatimModuleSyntax: true,
  // './x.ts' → './x.js' in relative imports (the sources import with .ts extensions).
  rewriteRelativeImportExtensions: true,
  sourceMap: false,
};
for (const file of files) {
  const { outputText, diagnostics } = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions,
    fileName: file,
    reportDiagnostics: true,
  });
  if (diagnostics?.length) {
    console.error(`build: ${relative(root, file)}: ${ts.flattenDiagnosticMessageText(diagnostics[0].messageText, '\n')}`);
    process.exit(1);
  }
  const out = join(staging, relative(src, file)).replace(/\.ts$/, '.js');
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, outputText);
}
// The dashboard, into the same staging directory so it appears with the rest or not at all.
const { buildDashboard } = await import('./build-web.mjs');
await buildDashboard(join(staging, 'web'));
// The newest source this build saw: bin/shoujia.js refuses a dist/ older than src/.
writeFileSync(join(staging, 'BUILD'), `${JSON.stringify({ files: files.length, builtAt: new Date().toISOString() })}\n`);
rmSync(dist, { recursive: true, force: true });
renameSync(staging, dist);
console.error(`build: ${files.length} files → dist/ in ${Math.round(performance.now() - started)} ms`);
