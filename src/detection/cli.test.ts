// `shoujia evidence verify` on a real package: built from a real ledger (real Ed25519 checkpoint
// key) through the API, saved as files, checked offline; then tampered one way at a time, each
// answered with exit 1 and the reason; bad arguments and unreadable files with exit 2.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { applicant, createWorld, type World } from '../../test/detection/world.ts';
import { formatVerifierKey, SIGNATURE_TYPE_ED25519 } from '../ledger/note.ts';
import { evidenceCommand } from './cli.ts';
import {
  buildEvidencePackage,
  type EvidencePackage,
  evidencePackageJson,
  verifyEvidencePackage,
} from './package.ts';
import { evidencePackageHtml } from './package-html.ts';

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((line: string) => void lines.push(line));
  const error = vi.spyOn(console, 'error').mockImplementation((line: string) => void lines.push(line));
  try {
    return { code: await evidenceCommand.run(argv), out: lines.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

describe('shoujia evidence verify (offline)', () => {
  let w: World;
  let dir: string;
  let pkg: EvidencePackage;
  let vkey: string;
  const file = (name: string, content: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  const tampered = (change: (copy: EvidencePackage) => void) => {
    const copy = structuredClone(pkg);
    change(copy);
    return copy;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'shoujia-evidence-kit-'));
    w = await createWorld('pglite', ['fund-a', 'fund-b']);
    // real customers around the canary, so the tree has many leaves and proofs have siblings
    for (let i = 10; i < 14; i++) {
      const real = await w.submit(applicant(i), `real-${i}`);
      await w.dispatch(real.id, i % 2 === 0 ? 'fund-a' : 'fund-b');
    }
    const person = await w.submit(applicant(1, { phone: '13700000001' }), 'canary');
    const canary = await w.h.call('POST', '/v1/canaries', {
      customerId: person.customerId,
      band: 'A',
      employerIsPlatformOrPartner: false,
      contactPoints: [{ channel: 'phone', address: '13700000001' }],
    });
    await w.h.call('PUT', '/v1/canaries/budgets/2026-03', {
      budgetFen: 100_000,
      costPerPlacementFen: 30_000,
    });
    const plan = await w.h.call('POST', '/v1/canaries/plan', { month: '2026-03', seed: 1 });
    const funderId = plan.body.placements[0].funderId as string;
    await w.dispatch(person.id, funderId);
    for (const sourceId of ['call-1', 'sms-2']) {
      w.h.clock.advance(3_600_000);
      const contact = await w.h.call('POST', `/v1/canaries/${canary.body.id}/contacts`, {
        sourceId,
        channel: sourceId.startsWith('call') ? 'call' : 'sms',
        contactPoint: '13700000001',
        occurredAt: w.h.clock.now().toISOString(),
        category: 'marketing',
        summary: '<script>alert(1)</script> 推荐自营贷款',
      });
      expect(contact.body.attributed).toBe(true);
    }
    await w.h.services.ledger.integrate();
    pkg = (await w.h.call('GET', `/v1/funders/${funderId}/evidence-package`)).body;
    vkey = (await w.h.call('GET', '/v1/ledger/public-key', undefined, { key: null })).body;
    file('key.txt', vkey);
    file('package.json', pkg);
    expect(pkg.records).toHaveLength(2);
    expect(pkg.exposures).toHaveLength(1);
    expect(pkg.exposures[0]!.proof.length).toBeGreaterThan(1);
  });
  afterAll(async () => {
    await w?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('verifies the real package: exit 0', async () => {
    const result = await run(['verify', join(dir, 'package.json'), '--vkey', join(dir, 'key.txt')]);
    expect(result.out).toContain('valid: 2 record(s)');
    expect(result.code).toBe(0);
    // canonical JSON: the exported text is the package's canonical form
    expect(evidencePackageJson(pkg)).toBe(JSON.stringify(JSON.parse(evidencePackageJson(pkg))));
  });

  const cases: Array<[string, (p: EvidencePackage) => void, string, RegExp]> = [
    [
      'an entry body',
      (p) => {
        (p.exposures[0]!.entry as unknown as { stage: string }).stage = 'prescreen';
      },
      'entry_commitment_mismatch',
      /entry body or its salt was altered/,
    ],
    [
      'an entry salt',
      (p) => {
        p.exposures[0]!.entry.salt = Buffer.alloc(16, 7).toString('base64');
      },
      'entry_commitment_mismatch',
      /entry body or its salt was altered/,
    ],
    [
      'a proof sibling',
      (p) => {
        const sibling = Buffer.from(p.exposures[0]!.proof[0]!, 'base64');
        sibling[0]! ^= 1;
        p.exposures[0]!.proof[0] = sibling.toString('base64');
      },
      'inclusion_proof_invalid',
      /does not lead to the checkpoint’s root/,
    ],
    [
      'the checkpoint signature',
      (p) => {
        const lines = p.checkpoint.split('\n');
        const signature = lines.findIndex((l) => l.startsWith('— '));
        const [dash, name, sig] = lines[signature]!.split(' ');
        const bytes = Buffer.from(sig!, 'base64');
        bytes[bytes.length - 1]! ^= 1;
        lines[signature] = [dash, name, bytes.toString('base64')].join(' ');
        p.checkpoint = lines.join('\n');
      },
      'checkpoint_invalid',
      /does not verify with the key/,
    ],
    [
      'a record citing a missing entry',
      (p) => {
        p.records[1]!.exposureEntryId = 'led_0000000000000000000000000';
      },
      'record_missing_exposure',
      /not in the package/,
    ],
    [
      'the tree size claimed',
      (p) => {
        p.treeSize += 1;
      },
      'checkpoint_mismatch',
      /the package claims/,
    ],
    [
      'a record’s customer',
      (p) => {
        p.records[0]!.customerPseudonym = 'someone-else';
      },
      'record_pseudonym_mismatch',
      /names customer someone-else/,
    ],
    [
      'a record’s funder',
      (p) => {
        p.records[0]!.funderId = 'fund-z';
      },
      'record_other_funder',
      /not fund-/,
    ],
    [
      'the version',
      (p) => {
        (p as { version: string }).version = 'v0';
      },
      'package_malformed',
      /not a shoujia.evidence-package\/v1/,
    ],
  ];
  it.each(cases)('tampering with %s: exit 1 with the reason', async (_what, change, code, reason) => {
    const path = file('tampered.json', tampered(change));
    const result = await run(['verify', path, '--vkey', join(dir, 'key.txt')]);
    expect(result.code, result.out).toBe(1);
    expect(result.out).toContain(`${code} at`);
    expect(result.out).toMatch(reason);
  });

  it('another log’s key: exit 1, the checkpoint does not verify', async () => {
    const other = file(
      'other-key.txt',
      formatVerifierKey(pkg.origin.replace(/[\s+]/gu, '_'), SIGNATURE_TYPE_ED25519, Buffer.alloc(32, 9)),
    );
    const result = await run(['verify', join(dir, 'package.json'), '--vkey', other]);
    expect(result.code).toBe(1);
    expect(result.out).toContain('checkpoint_invalid');
  });

  it('lists every failure at once', () => {
    const verdict = verifyEvidencePackage(
      tampered((p) => {
        p.exposures[0]!.entry.salt = Buffer.alloc(16).toString('base64');
        p.records[0]!.exposureEntryId = 'led_gone';
      }),
      vkey,
    );
    expect(verdict.ok).toBe(false);
    if (!verdict.ok)
      expect(verdict.failures.map((f) => f.code).sort()).toEqual([
        'entry_commitment_mismatch',
        'record_missing_exposure',
      ]);
  });

  it('build keeps only the funder’s own records and the exposures they cite', () => {
    const built = buildEvidencePackage({
      funderId: pkg.funderId,
      generatedAt: new Date('2026-03-02T00:00:00Z'),
      records: [
        ...pkg.records,
        { ...pkg.records[0]!, id: 'other', funderId: 'fund-other' },
        { ...pkg.records[0]!, id: 'no-exposure', exposureEntryId: undefined as never },
      ].map(({ exposureEntryId, ...r }) => (exposureEntryId ? { ...r, exposureEntryId } : r)),
      checkpoint: { note: pkg.checkpoint, origin: pkg.origin, treeSize: pkg.treeSize },
      exposures: [
        ...pkg.exposures.map((e) => ({
          ...e,
          leafHash: Buffer.from(e.leafHash, 'base64'),
          proof: e.proof.map((h) => Buffer.from(h, 'base64')),
        })),
        {
          entryId: 'led_uncited',
          index: 0,
          leafHash: Buffer.alloc(32),
          entry: pkg.exposures[0]!.entry,
          proof: [],
        },
      ],
    });
    expect(built.records.map((r) => r.id)).not.toContain('other');
    expect(built.records.map((r) => r.id)).toContain('no-exposure');
    expect(built.exposures.map((e) => e.entryId)).toEqual(pkg.exposures.map((e) => e.entryId));
    expect(verifyEvidencePackage(built, vkey).ok).toBe(true);
  });

  it('the printable page escapes everything and says whether it verified', () => {
    const html = evidencePackageHtml(
      tampered((p) => {
        p.records[0]!.proves = '<img src=x onerror=alert(1)>';
      }),
      { verdict: verifyEvidencePackage(pkg, vkey) },
    );
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('核验通过');
    expect(evidencePackageHtml(pkg, { lang: 'en' })).toContain('Cited exposure ledger entries');
  });

  it('bad arguments and unreadable files: exit 2 naming the problem', async () => {
    const notJson = file('not-json.json', '{');
    const cases: Array<[string[], RegExp]> = [
      [[], /subcommand is required/],
      [['check'], /unknown subcommand/],
      [['verify', join(dir, 'package.json')], /--vkey is required/],
      [['verify', '--vkey', join(dir, 'key.txt')], /exactly one package file/],
      [
        ['verify', join(dir, 'package.json'), join(dir, 'package.json'), '--vkey', join(dir, 'key.txt')],
        /exactly one package file/,
      ],
      [['verify', join(dir, 'missing.json'), '--vkey', join(dir, 'key.txt')], /cannot read .*ENOENT/],
      [['verify', join(dir, 'package.json'), '--vkey', join(dir, 'missing.txt')], /--vkey: cannot read/],
      [['verify', notJson, '--vkey', join(dir, 'key.txt')], /not valid JSON/],
      [['verify', join(dir, 'package.json'), '--vkey', join(dir, 'key.txt'), '--force'], /Unknown option/],
    ];
    for (const [argv, message] of cases) {
      const result = await run(argv);
      expect(result.code, argv.join(' ')).toBe(2);
      expect(result.out).toMatch(message);
    }
  });
});
