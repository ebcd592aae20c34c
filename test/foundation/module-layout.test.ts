// The module layout, checked on the source (STYLE §4, DESIGN "Modules"): every domain module has the
// same file set, routes never import another module's routes (what they share is a service call),
// and the visibility rules are applied in services, never in routes (issue 12, items 4 and 7).
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..', '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [path] : [];
  });
}

const files = sourceFiles(SRC).map((path) => ({
  path: relative(SRC, path).replaceAll('\\', '/'),
  text: readFileSync(path, 'utf8'),
}));

/** What a file imports, as paths relative to src/ (static imports, re-exports and import()). */
function importsOf(file: { path: string; text: string }): string[] {
  return [...file.text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) =>
    posix.normalize(posix.join(posix.dirname(file.path), m[1]!)),
  );
}

/**
 * Folders under src/ that are infrastructure, not domain modules: they have no file set. `demo` is
 * a client of the HTTP API (the live demo market, ADR 0105): no tables, no routes, no service.
 */
const INFRASTRUCTURE = ['cli', 'db', 'demo', 'http', 'kernel'];
/** Every domain module has these; a module with tables (schema.ts) also has store.ts. */
const FILE_SET = ['model.ts', 'service.ts', 'routes.ts', 'errors.ts'];
/**
 * Files still to come, each named with the work that brings it. The test fails once one exists,
 * so the entry is removed in the change that adds it.
 */
const PENDING: Record<string, string[]> = {};

const modules = readdirSync(SRC).filter(
  (name) => statSync(join(SRC, name)).isDirectory() && !INFRASTRUCTURE.includes(name),
);

describe('module layout', () => {
  it('finds the modules (the scan is not vacuous)', () => {
    expect(modules).toEqual(expect.arrayContaining(['access', 'catalog', 'intake', 'routing', 'ledger']));
    const routesToCome = modules.filter((m) => PENDING[m]?.includes('routes.ts')).length;
    expect(files.filter((f) => f.path.endsWith('/routes.ts')).length).toBeGreaterThanOrEqual(
      modules.length - routesToCome,
    );
  });

  it('every domain module has the same file set (STYLE §4)', () => {
    const missing: string[] = [];
    const pendingPresent: string[] = [];
    for (const module of modules) {
      const expected = [...FILE_SET, ...(existsSync(join(SRC, module, 'schema.ts')) ? ['store.ts'] : [])];
      for (const file of expected) {
        const present = existsSync(join(SRC, module, file));
        const pending = PENDING[module]?.includes(file) ?? false;
        if (!present && !pending) missing.push(`${module}/${file}`);
        if (present && pending) pendingPresent.push(`${module}/${file}`);
      }
    }
    expect(missing, 'modules missing part of the file set').toEqual([]);
    expect(pendingPresent, 'these exist now: remove them from PENDING').toEqual([]);
  });

  it('no routes.ts imports another routes.ts: routes share services, not each other', () => {
    const offenders = files
      .filter((f) => f.path.endsWith('/routes.ts'))
      .flatMap((f) =>
        importsOf(f)
          .filter((target) => target.endsWith('/routes.ts'))
          .map((t) => `${f.path} → ${t}`),
      );
    expect(offenders).toEqual([]);
    // only the app's route list reaches every module's routes
    const importers = files
      .filter((f) => importsOf(f).some((t) => t.endsWith('/routes.ts')))
      .map((f) => f.path);
    expect(importers).toEqual(['http/modules.ts']);
  });

  it('who may see what is decided in services: no route applies a visibility rule itself', () => {
    const rules = files
      .filter((f) => importsOf(f).includes('access/visibility.ts'))
      .map((f) => f.path)
      .sort();
    expect(rules.length).toBeGreaterThan(0);
    expect(rules.filter((path) => !path.endsWith('/service.ts'))).toEqual([]);
    // and no route compares a principal's funder or customer against a resource by hand
    const byHand = files
      .filter(
        (f) =>
          f.path.endsWith('/routes.ts') && /principal(?:Of\([^)]*\))?\.(?:customerId|role)\b/.test(f.text),
      )
      .map((f) => f.path);
    expect(byHand).toEqual([]);
  });
});
