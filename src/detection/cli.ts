// `shoujia evidence verify package.json --vkey key.txt`: check an evidence package offline with the
// log's public key alone (ADR 0077). Exit codes: 0 every proof verifies, 1 invalid (each failure
// with its reason), 2 bad arguments or an unreadable file (naming the argument).
import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Command } from '../cli/main.ts';
import { verifyEvidencePackage } from './package.ts';

/** 2,000 records and their exposures (8 KiB bodies, proofs) stay well below this. */
export const MAX_PACKAGE_FILE_BYTES = 64 * 1024 * 1024;
/** A verifier key is one short line. */
const MAX_KEY_FILE_BYTES = 4 * 1024;

const USAGE = `Usage:
  shoujia evidence verify package.json --vkey key.txt
      Check an evidence package offline: the checkpoint's signature with the log's verifier key
      (GET /v1/ledger/public-key), every entry's commitment with its salt, every inclusion proof
      against the checkpoint, and that every evidence record cites an entry in the package.

Exit status: 0 valid, 1 invalid (each failure is printed with its reason), 2 bad arguments.`;

class ArgumentError extends Error {}

function readInput(path: string, argument: string, maxBytes: number): string {
  try {
    const size = statSync(path).size;
    if (size > maxBytes) throw new ArgumentError(`${argument}: ${path} is larger than ${maxBytes} bytes`);
    return readFileSync(path, 'utf8');
  } catch (error) {
    if (error instanceof ArgumentError) throw error;
    throw new ArgumentError(
      `${argument}: cannot read ${path} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`,
    );
  }
}

async function verify(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { vkey: { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new ArgumentError('give exactly one package file');
  if (values.vkey === undefined) throw new ArgumentError('--vkey is required');
  const text = readInput(positionals[0]!, 'package', MAX_PACKAGE_FILE_BYTES);
  const vkey = readInput(values.vkey, '--vkey', MAX_KEY_FILE_BYTES);
  let pkg: unknown;
  try {
    pkg = JSON.parse(text);
  } catch {
    throw new ArgumentError(`package: ${positionals[0]} is not valid JSON`);
  }
  const verdict = verifyEvidencePackage(pkg, vkey.trim());
  if (!verdict.ok) {
    console.log(`invalid: ${verdict.failures.length} failure(s)`);
    for (const failure of verdict.failures)
      console.log(`  ${failure.code} at ${failure.at}: ${failure.reason}`);
    return 1;
  }
  console.log(
    `valid: ${verdict.records} record(s) about ${verdict.funderId}, ${verdict.exposures} exposure entr${verdict.exposures === 1 ? 'y' : 'ies'} included in ${verdict.origin} at tree size ${verdict.treeSize} (signed checkpoint verified)`,
  );
  return 0;
}

export const evidenceCommand: Command = {
  summary: 'verify an evidence package offline (the funder kit)',
  usage: USAGE,
  async run(argv) {
    const [sub, ...rest] = argv;
    try {
      if (sub === 'verify') return await verify(rest);
      throw new ArgumentError(
        sub === undefined ? 'a subcommand is required: verify' : `unknown subcommand ${sub}`,
      );
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (error instanceof ArgumentError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
        console.error(`shoujia evidence: ${(error as Error).message}\n\n${USAGE}`);
        return 2;
      }
      throw error;
    }
  },
};
