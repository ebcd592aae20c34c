// `shoujia ledger verify …` (the funder kit, offline) and `shoujia ledger audit` (recompute the
// whole tree from the stored leaves and compare with the latest checkpoint).
// Exit codes: 0 valid, 1 invalid (with the reason), 2 bad arguments (naming the argument).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from '../cli/main.ts';
import { type Config, ConfigError, loadConfig } from '../config.ts';
import { openDatabase } from '../db/client.ts';
import { createServices } from '../services.ts';
import { auditLedger } from './audit.ts';
import { verifyConsistencyKit, verifyInclusionKit, verifyStatementKit } from './verify.ts';

/** Saved proofs and notes are small; anything bigger is not one of ours. */
const MAX_INPUT_BYTES = 1024 * 1024;

const USAGE = `Usage:
  shoujia ledger verify --checkpoint cp.txt --vkey key.txt --inclusion proof.json --entry entry.json
        [--statement statement.json]
      Check that the entry (body with salt, or the GET /v1/ledger/entries/:index answer) is at the
      proof's index in the tree the signed checkpoint commits to. With --statement (the
      GET /v1/settlement/statements/:id answer) also check that the statement hashes to what the
      entry commits to, with the same id, funder, month and total.
  shoujia ledger verify --consistency proof.json --old cp1.txt --new cp2.txt [--vkey key.txt]
      Check that the new checkpoint extends the old one (no history rewritten). With --vkey the
      signatures of both checkpoints are checked too.
  shoujia ledger audit
      Recompute the whole tree from the stored leaves (DATABASE_URL, or the embedded data dir as
      for \`serve\`) and compare it with the latest signed checkpoint.

Exit status: 0 valid, 1 invalid (the reason is printed), 2 bad arguments.`;

class ArgumentError extends Error {}

function readInput(path: string, argument: string): string {
  try {
    const text = readFileSync(path, 'utf8');
    if (Buffer.byteLength(text) > MAX_INPUT_BYTES)
      throw new ArgumentError(`--${argument}: ${path} is larger than ${MAX_INPUT_BYTES} bytes`);
    return text;
  } catch (error) {
    if (error instanceof ArgumentError) throw error;
    throw new ArgumentError(
      `--${argument}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
}

function readJson(path: string, argument: string): unknown | { invalid: string } {
  const text = readInput(path, argument);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { invalid: `--${argument}: ${path} is not valid JSON` };
  }
}

const isInvalid = (value: unknown): value is { invalid: string } =>
  typeof value === 'object' &&
  value !== null &&
  Object.keys(value).length === 1 &&
  typeof (value as { invalid?: unknown }).invalid === 'string';

async function verify(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      checkpoint: { type: 'string' },
      vkey: { type: 'string' },
      inclusion: { type: 'string' },
      entry: { type: 'string' },
      statement: { type: 'string' },
      consistency: { type: 'string' },
      old: { type: 'string' },
      new: { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  if (values.inclusion !== undefined) {
    for (const name of ['checkpoint', 'vkey', 'entry'] as const)
      if (values[name] === undefined) throw new ArgumentError(`--${name} is required with --inclusion`);
    for (const name of ['consistency', 'old', 'new'] as const)
      if (values[name] !== undefined)
        throw new ArgumentError(`--${name} cannot be combined with --inclusion`);
    const proof = readJson(values.inclusion, 'inclusion');
    const entry = readJson(values.entry!, 'entry');
    const checkpoint = readInput(values.checkpoint!, 'checkpoint');
    const vkey = readInput(values.vkey!, 'vkey');
    for (const parsed of [proof, entry]) if (isInvalid(parsed)) return invalid(parsed.invalid);
    const result = verifyInclusionKit({ checkpoint, vkey, proof, entry });
    if (!result.ok) return invalid(result.message);
    if (values.statement !== undefined) {
      const statement = readJson(values.statement, 'statement');
      if (isInvalid(statement)) return invalid(statement.invalid);
      const matched = verifyStatementKit({ statement, entry });
      if (!matched.ok) return invalid(matched.message);
      console.log(
        `valid: statement ${matched.value.statementId} (${matched.value.period}, total ${matched.value.totalFen} fen) hashes to ${matched.value.statementHash}, the hash the entry commits to`,
      );
    }
    console.log(
      `valid: ${result.value.kind} entry at index ${result.value.index} is in ${result.value.origin} at tree size ${result.value.treeSize} (signed checkpoint verified)`,
    );
    return 0;
  }
  if (values.consistency !== undefined) {
    for (const name of ['old', 'new'] as const)
      if (values[name] === undefined) throw new ArgumentError(`--${name} is required with --consistency`);
    for (const name of ['checkpoint', 'entry', 'statement'] as const)
      if (values[name] !== undefined)
        throw new ArgumentError(`--${name} cannot be combined with --consistency`);
    const proof = readJson(values.consistency, 'consistency');
    const older = readInput(values.old!, 'old');
    const newer = readInput(values.new!, 'new');
    const vkey = values.vkey === undefined ? undefined : readInput(values.vkey, 'vkey');
    if (isInvalid(proof)) return invalid(proof.invalid);
    const result = verifyConsistencyKit({
      old: older,
      new: newer,
      proof,
      ...(vkey === undefined ? {} : { vkey }),
    });
    if (!result.ok) return invalid(result.message);
    const signatures = result.value.signaturesChecked
      ? 'both checkpoints’ signatures verified'
      : 'signatures NOT checked: pass --vkey';
    console.log(
      `valid: ${result.value.origin} at tree size ${result.value.to} extends tree size ${result.value.from} (${signatures})`,
    );
    return 0;
  }
  throw new ArgumentError(
    'give --inclusion (with --checkpoint, --vkey, --entry) or --consistency (with --old, --new)',
  );
}

function invalid(reason: string): number {
  console.log(`invalid: ${reason}`);
  return 1;
}

async function audit(argv: string[]): Promise<number> {
  if (argv.length > 0) throw new ArgumentError(`unexpected argument ${argv[0]}`);
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) throw new ArgumentError(error.message);
    throw error;
  }
  const database = await openDatabase(
    config.databaseUrl ? { url: config.databaseUrl, poolMax: 2 } : { dataDir: join(config.dataDir, 'pg') },
  );
  try {
    const services = createServices({
      database,
      masterKey: config.masterKey,
      ledgerOrigin: config.ledgerOrigin,
      ledgerSigningSeed: config.ledgerSigningSeed,
    });
    const started = performance.now();
    const report = await auditLedger(database.db, services.ledger, (done, total) => {
      if (done % 200_000 < 20_000 && total > 200_000) console.error(`  ${done} / ${total} leaves`);
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    if (!report.ok) {
      console.log(
        `invalid: ${report.problems.length} problem(s) in ${config.ledgerOrigin} at tree size ${report.treeSize}`,
      );
      for (const problem of report.problems) console.log(`  ${problem}`);
      return 1;
    }
    console.log(
      `valid: ${config.ledgerOrigin} tree size ${report.treeSize}, root ${report.rootHash.toString('base64')} recomputed from ${report.leavesChecked} stored leaves and ${report.nodesChecked} stored nodes matches the latest signed checkpoint; ${report.entriesChecked} committed entries checked: every one the checkpoint covers is in the tree exactly once, ${report.entriesPending} awaiting integration (${seconds} s)`,
    );
    return 0;
  } finally {
    await database.close();
  }
}

export const ledgerCommand: Command = {
  summary: 'the funder kit (verify proofs offline) and the ledger audit',
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    try {
      if (sub === 'verify') return await verify(rest);
      if (sub === 'audit') return await audit(rest);
      throw new ArgumentError(
        sub === undefined ? 'a subcommand is required: verify or audit' : `unknown subcommand ${sub}`,
      );
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (error instanceof ArgumentError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
        console.error(`shoujia ledger: ${(error as Error).message}\n\n${USAGE}`);
        return 2;
      }
      throw error;
    }
  },
};
