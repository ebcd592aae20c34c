// "Every payload that leaves for a funder passes this one gateway" (issue 6), checked on the source:
// the policy core is applied only by the gateway, decrypted PII is read only by the gateway, and
// the payload format is produced nowhere else. A new caller fails here and has to be reviewed.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, posix, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = join(import.meta.dirname, '..');

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

/** Files whose imports resolve to `target` (a path relative to src/). */
function importersOf(target: string): string[] {
  return files
    .filter((f) =>
      [...f.text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].some(
        (m) => posix.normalize(posix.join(posix.dirname(f.path), m[1]!)) === target,
      ),
    )
    .map((f) => f.path);
}

/** Files (outside tests) that match, excluding the allowed ones. */
function offenders(pattern: RegExp, allowed: readonly string[]): string[] {
  return files.filter((f) => pattern.test(f.text) && !allowed.includes(f.path)).map((f) => f.path);
}

describe('the sharing gateway is the only way a payload is built', () => {
  it('finds the source tree (the scan is not vacuous)', () => {
    expect(files.length).toBeGreaterThan(30);
    expect(files.some((f) => f.path === 'sharing/service.ts')).toBe(true);
  });

  it('only the gateway applies field policies', () => {
    // routes import the policy validation for the API, never disclose()
    expect(importersOf('sharing/disclosure.ts').sort()).toEqual(['sharing/service.ts']);
    const sharingFiles = files.filter((f) => f.path.startsWith('sharing/'));
    const callers = sharingFiles.filter((f) => /\bdisclose\s*\(/.test(f.text)).map((f) => f.path);
    expect(callers.sort()).toEqual(['sharing/disclosure.ts', 'sharing/service.ts']);
  });

  it('only the gateway (and the pre-screen inside it) reads decrypted contact details', () => {
    // identity.revealContact returns name, phone and ID number in clear. A module that needs them for
    // the borrower's own use (reminders) belongs on this list after review, never one that talks to funders.
    // engagement/service.ts: the borrower's own mobile for the SMS reminder adapter (issue 15, reviewed)
    expect(
      offenders(/\brevealContact\s*\(/, [
        'identity/service.ts',
        'sharing/service.ts',
        'engagement/service.ts',
      ]),
    ).toEqual([]);
  });

  it('only the gateway produces the payload format', () => {
    expect(offenders(/shoujia\.share\/v1/, ['sharing/model.ts', 'sharing/service.ts'])).toEqual([]);
  });

  it('modules that send to funders take the gateway’s payload, not the customer tables', () => {
    const senders = files.filter(
      (f) => /webhookUrl|DispatchMessage/.test(f.text) && !f.path.startsWith('catalog/'),
    );
    for (const sender of senders) {
      expect(sender.text, sender.path).not.toMatch(/from\s+['"][./]*identity\/schema\.ts['"]/);
      expect(sender.text, sender.path).not.toMatch(
        /\bnameEnc\b|\bphoneEnc\b|\bidNumberEnc\b|\bemployerEnc\b/,
      );
    }
  });
});
