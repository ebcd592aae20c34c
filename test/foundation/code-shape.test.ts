// Issue 12 item 3: no file in src/ over ~500 lines without a reason written at its top, and no
// function in a service over ~70 lines (pure hot loops excepted, with the reason in a comment
// that says "hot loop" just above it). Measured with the TypeScript compiler's own parser.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '../../src');
const MAX_FILE_LINES = 500;
const MAX_SERVICE_FUNCTION_LINES = 70;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** Functions and methods of a file longer than `max` lines, unless a "hot loop" comment precedes them. */
function longFunctions(path: string, text: string, max: number): string[] {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node) => {
    if (
      (ts.isMethodDeclaration(node) ||
        ts.isFunctionDeclaration(node) ||
        ts.isConstructorDeclaration(node) ||
        ts.isGetAccessorDeclaration(node)) &&
      node.body
    ) {
      const start = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const end = file.getLineAndCharacterOfPosition(node.end).line;
      const leading = text.slice(node.getFullStart(), node.getStart(file));
      if (end - start + 1 > max && !/hot loop/i.test(leading))
        found.push(
          `${path.slice(SRC.length + 1)}:${start + 1} ${node.name?.getText(file) ?? '(anonymous)'} (${end - start + 1} lines)`,
        );
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe('code shape', () => {
  const files = sourceFiles(SRC);

  it('every file over 500 lines says why at its top', () => {
    const unexplained = files.filter((path) => {
      const text = readFileSync(path, 'utf8');
      return text.split('\n').length > MAX_FILE_LINES && !/^\/\/ Over 500 lines because/.test(text);
    });
    expect(unexplained.map((p) => p.slice(SRC.length + 1))).toEqual([]);
  });

  it('no function in a service is over 70 lines unless it is a hot loop that says so', () => {
    const long = files
      .filter((path) => path.endsWith('service.ts'))
      .flatMap((path) => longFunctions(path, readFileSync(path, 'utf8'), MAX_SERVICE_FUNCTION_LINES));
    expect(long).toEqual([]);
  });

  it('the measure catches a long function and respects the hot-loop reason', () => {
    const body = Array.from({ length: 80 }, (_, i) => `  x += ${i};`).join('\n');
    const long = `export function f() {\n  let x = 0;\n${body}\n  return x;\n}\n`;
    expect(longFunctions(join(SRC, 'x/service.ts'), long, MAX_SERVICE_FUNCTION_LINES)).toHaveLength(1);
    expect(longFunctions(join(SRC, 'x/service.ts'), `// hot loop: measured\n${long}`, 70)).toEqual([]);
  });
});
