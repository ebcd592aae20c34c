// Every code src/ can answer with is in the HTTP catalog, twice over: by type (each module's union
// of throwable codes against the catalog's) and by reading the source (every literal code given to
// DomainError, err() or errorBody(), and no code built at run time), so a cast cannot hide one.
import type { EngagementThrownCode } from '../engagement/errors.ts';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AccessThrownCode } from '../access/errors.ts';
import type { CatalogThrownCode } from '../catalog/errors.ts';
import type { DashboardThrownCode } from '../dashboard/errors.ts';
import type { DetectionThrownCode } from '../detection/errors.ts';
import type { IdentityThrownCode } from '../identity/errors.ts';
import type { IntakeThrownCode } from '../intake/errors.ts';
import Fastify from 'fastify';
import { type CommonErrorCode, DomainError } from '../kernel/index.ts';
import type { LedgerThrownCode } from '../ledger/errors.ts';
import type { PricingThrownCode } from '../pricing/errors.ts';
import type { RoutingThrownCode } from '../routing/errors.ts';
import type { SettlementThrownCode } from '../settlement/errors.ts';
import type { SharingThrownCode } from '../sharing/errors.ts';
import type { SimulationThrownCode } from '../simulation/errors.ts';
import { assembleCatalog, type CatalogCode, ERROR_LISTS, errorCatalog, errorSpec } from './error-catalog.ts';
import { registerErrorHandling } from './errors.ts';

const SRC = join(import.meta.dirname, '..');

/** Every code any module (and db/http, which throw only the shared ones) may throw. */
type ThrownAnywhere =
  | CommonErrorCode
  | AccessThrownCode
  | CatalogThrownCode
  | DashboardThrownCode
  | DetectionThrownCode
  | EngagementThrownCode
  | IdentityThrownCode
  | IntakeThrownCode
  | LedgerThrownCode
  | PricingThrownCode
  | RoutingThrownCode
  | SettlementThrownCode
  | SharingThrownCode
  | SimulationThrownCode;
type MissingFromCatalog = Exclude<ThrownAnywhere, CatalogCode>;
// A compile error here names the codes a module may throw that the catalog does not list.
const nothingMissing: [MissingFromCatalog] extends [never] ? true : { missing: MissingFromCatalog } = true;

/** 5xx codes, each on purpose: the request could not be served, through no fault of the client. */
const DELIBERATE_5XX: Record<string, string> = {
  internal: 'a bug; the request changed nothing',
  prescreen_unavailable: 'the funder’s OPRF service failed (502: a bad answer from upstream)',
  relay_pool_exhausted: 'no free relay contact point until an operator adds some (503)',
};

/**
 * Result codes that never reach HTTP: the signed-note and proof checks of the offline verifier
 * (`shoujia ledger verify`) and of the cosign route, which answers ledger_cosignature_invalid with
 * the failure's message instead (ledger/service.ts).
 */
const NOT_HTTP_RESULT_CODES: Record<string, readonly string[]> = {
  'ledger/note.ts': [
    'malformed_note',
    'malformed_checkpoint',
    'malformed_verifier_key',
    'unsupported_key_type',
    'key_id_mismatch',
    'no_matching_signature',
    'bad_signature',
    'malformed_cosignature',
  ],
  'ledger/verify.ts': [
    'bad_verifier_key',
    'bad_checkpoint',
    'bad_proof',
    'bad_entry',
    'size_mismatch',
    'origin_mismatch',
    'leaf_mismatch',
    'proof_invalid',
    // the statement check (ADR 0094): a funder's statement document against its ledger entry
    'bad_statement',
    'statement_mismatch',
  ],
};

/** Bounds the walk: src/ has a few hundred files. */
const MAX_SOURCE_FILES = 2_000;

function sourceFiles(dir: string, found: string[] = []): string[] {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) sourceFiles(path, found);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) found.push(path);
    if (found.length > MAX_SOURCE_FILES) throw new Error(`more than ${MAX_SOURCE_FILES} files under src/`);
  }
  return found;
}

/** Comments become blanks (line numbers kept); string and template literals stay as they are. */
function withoutComments(text: string): string {
  return text.replace(
    /('(?:\\.|[^'\\\n])*'|"(?:\\.|[^"\\\n])*"|`(?:\\.|[^`\\])*`)|\/\/[^\n]*|\/\*[\s\S]*?\*\//g,
    (match, literal: string | undefined) => literal ?? match.replace(/[^\n]/g, ' '),
  );
}

interface CodeUse {
  where: string;
  call: string;
  /** The literal codes (two for `cond ? 'a' : 'b'`); none when the call forwards a typed value. */
  codes: string[];
  /** Why the first argument is neither: a template, a concatenation, a cast. */
  problem?: string;
}

// A call, not a definition (`function errorBody(`) nor a method (`log.err(`).
const CALL = /(?<![\w.$])(?<!function\s+)(new\s+DomainError|err|errorBody)\s*\(\s*/g;
const LITERAL = /^(['"])([^'"\\\n]*)\1(\s+as\s+const)?\s*[,)]/;
const CHOICE = /^[^'"`,()]*\?\s*(['"])([^'"\\\n]*)\1\s*:\s*(['"])([^'"\\\n]*)\3\s*,/;
const FORWARDED = /^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*\s*,/;

function codeUses(file: string): CodeUse[] {
  const text = withoutComments(readFileSync(file, 'utf8'));
  const uses: CodeUse[] = [];
  for (const match of text.matchAll(CALL)) {
    const rest = text.slice(match.index + match[0].length, match.index + match[0].length + 200);
    const line = text.slice(0, match.index).split('\n').length;
    const where = `${relative(SRC, file)}:${line}`;
    const call = match[1]!.replace(/\s+/, ' ');
    const literal = LITERAL.exec(rest);
    const choice = CHOICE.exec(rest);
    if (literal) uses.push({ where, call, codes: [literal[2]!] });
    else if (choice) uses.push({ where, call, codes: [choice[2]!, choice[4]!] });
    else if (FORWARDED.test(rest)) uses.push({ where, call, codes: [] });
    else {
      const problem = `first argument is not a literal code: ${rest.slice(0, 40)}`;
      uses.push({ where, call, codes: [], problem });
    }
  }
  return uses;
}

/** A cast to a code type would let a run-time string through the types. */
const CODE_CAST = /\bas\s+[A-Z]\w*Code\b/g;

describe('the HTTP error catalog', () => {
  const catalog = new Map(errorCatalog().map((entry) => [entry.code, entry]));

  it('lists every code any module may throw (by type; tsc checks the line above)', () => {
    expect(nothingMissing).toBe(true);
  });

  it('is assembled from every module that has an errors.ts list', () => {
    const modules = readdirSync(SRC, { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => entry.name)
      .filter((module) => /export const \w+Errors = /.test(safeRead(join(SRC, module, 'errors.ts'))));
    expect(modules.length).toBeGreaterThan(5);
    for (const module of modules) expect(Object.keys(ERROR_LISTS), module).toContain(module);
  });

  it('refuses a code defined by two modules, a bad status and a code that is not snake_case', () => {
    const spec = { status: 400, meaning: 'x' };
    expect(() => assembleCatalog({ a: { twice: spec }, b: { twice: spec } })).toThrow(/defined by a and b/);
    expect(() => assembleCatalog({ a: { ok_code: { status: 302, meaning: 'x' } } })).toThrow(/bad status/);
    expect(() => assembleCatalog({ a: { NotSnake: spec } })).toThrow(/snake_case/);
    expect(() => assembleCatalog(ERROR_LISTS)).not.toThrow();
  });

  it('answers 4xx for every code but the deliberate 5xx ones', () => {
    for (const { code, status } of catalog.values()) {
      if (code in DELIBERATE_5XX) expect(status, code).toBeGreaterThanOrEqual(500);
      else expect(status, `${code} is a client or state error`).toBeLessThan(500);
    }
    for (const code of Object.keys(DELIBERATE_5XX)) expect(errorSpec(code), code).toBeDefined();
  });

  it('maps a code to its catalog status; a code outside the catalog is a bug, answered 500', async () => {
    const app = Fastify({ logger: false });
    registerErrorHandling(app);
    // The kernel's class takes any string; only a module's typed constructor would refuse this one.
    app.get('/listed', async () => {
      throw new DomainError('funder_not_found', 'no funder', 'funderId');
    });
    app.get('/unlisted', async () => {
      throw new DomainError('not_in_any_list', 'x');
    });
    const listed = await app.inject({ method: 'GET', url: '/listed' });
    expect([listed.statusCode, listed.json()]).toEqual([
      404,
      { error: { code: 'funder_not_found', message: 'no funder', field: 'funderId' } },
    ]);
    const unlisted = await app.inject({ method: 'GET', url: '/unlisted' });
    expect([unlisted.statusCode, unlisted.json().error.code]).toEqual([500, 'internal']);
    await app.close();
  });

  it('has every literal code src/ throws, returns or answers with, and no code built at run time', () => {
    const files = sourceFiles(SRC);
    const uses = files.flatMap(codeUses);
    expect(uses.filter((use) => use.codes.length > 0).length).toBeGreaterThan(100);
    const problems: string[] = [];
    for (const use of uses) {
      if (use.problem) problems.push(`${use.where} ${use.call}: ${use.problem}`);
      const file = use.where.replace(/:\d+$/, '');
      for (const code of use.codes) {
        if (catalog.has(code)) continue;
        const internal = use.call === 'err' && NOT_HTTP_RESULT_CODES[file]?.includes(code);
        if (!internal) problems.push(`${use.where} ${use.call}('${code}') is not in the HTTP catalog`);
      }
    }
    for (const file of files) {
      const text = withoutComments(readFileSync(file, 'utf8'));
      for (const cast of text.matchAll(CODE_CAST)) {
        const line = text.slice(0, cast.index).split('\n').length;
        problems.push(`${relative(SRC, file)}:${line} casts to a code type (${cast[0]})`);
      }
    }
    expect(problems).toEqual([]);
  });
});

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
