// `shoujia keys create`: an API key straight into the store (DATABASE_URL or the embedded data
// dir), so an operator who started `serve` without SHOUJIA_BOOTSTRAP_ADMIN_KEY is never locked out.
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Command } from '../cli/main.ts';
import { storeLocation } from '../config.ts';
import { openDatabase } from '../db/client.ts';
import { DataDirLockedError } from '../db/lock.ts';
import { createIdGenerator, systemClock } from '../kernel/index.ts';
import type { Role } from './model.ts';
import { AccessService } from './service.ts';

/** The same limit as POST /v1/api-keys' label. */
export const KEY_LABEL_MAX_CHARS = 100;
export const DEFAULT_KEY_LABEL = 'created with shoujia keys create';
/**
 * Roles a key can have without being bound to a funder or a customer. Funder keys name a funder
 * from the catalogue and borrower keys a customer: those are issued over HTTP (POST /v1/api-keys),
 * where the binding is checked.
 */
export const UNBOUND_ROLES = ['admin', 'analyst', 'system'] as const satisfies readonly Role[];

const USAGE = `Usage: shoujia keys create --role admin [--label TEXT]

Creates an API key in the store (DATABASE_URL, or the embedded data dir SHOUJIA_DATA_DIR as for
\`serve\`; in embedded mode the service must be stopped) and prints its secret once, on stdout.
Only its SHA-256 is stored: keep the secret.

  --role ROLE     ${UNBOUND_ROLES.join(', ')} (funder and borrower keys: POST /v1/api-keys)
  --label TEXT    what the key is for, 1..${KEY_LABEL_MAX_CHARS} characters (default: "${DEFAULT_KEY_LABEL}")

Exit status: 0 created, 1 the store is unavailable, 2 bad arguments.`;

class ArgumentError extends Error {}

/** The label as the HTTP route would store it: trimmed, not empty, bounded, no control characters. */
export function parseLabel(text: string | undefined): string {
  if (text === undefined) return DEFAULT_KEY_LABEL;
  const label = text.normalize('NFC').trim();
  if (label.length === 0) throw new ArgumentError('--label must not be empty');
  if ([...label].length > KEY_LABEL_MAX_CHARS)
    throw new ArgumentError(`--label must be at most ${KEY_LABEL_MAX_CHARS} characters`);
  // C0 and C1 controls (PostgreSQL cannot store NUL; the others garble logs and terminals) and
  // lone surrogates (not text).
  if (/\p{Cc}|\p{Cs}/u.test(label)) throw new ArgumentError('--label must not contain control characters');
  return label;
}

async function create(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: { role: { type: 'string' }, label: { type: 'string' } },
    strict: true,
    allowPositionals: true,
  });
  if (positionals.length > 0) throw new ArgumentError(`unexpected argument ${positionals[0]}`);
  const role = values.role;
  if (role === undefined) throw new ArgumentError('--role is required');
  if (!(UNBOUND_ROLES as readonly string[]).includes(role))
    throw new ArgumentError(
      `--role must be one of ${UNBOUND_ROLES.join(', ')}${role === 'funder' || role === 'borrower' ? ` (${role} keys: POST /v1/api-keys)` : ''}`,
    );
  const label = parseLabel(values.label);
  const { databaseUrl, dataDir } = storeLocation();
  let database: Awaited<ReturnType<typeof openDatabase>>;
  try {
    database = await openDatabase(
      databaseUrl ? { url: databaseUrl, poolMax: 1, runPoolMax: 1 } : { dataDir: join(dataDir, 'pg') },
    );
  } catch (error) {
    if (error instanceof DataDirLockedError) throw error; // main.ts says who holds it
    console.error(`shoujia keys: cannot open the store: ${(error as Error).message}`);
    return 1;
  }
  try {
    const access = new AccessService({ clock: systemClock, ids: createIdGenerator(systemClock) });
    const key = await database.db.transaction((tx) => access.issueKey(tx, { role: role as Role, label }));
    console.error(
      `created ${key.role} key ${key.id} (${label}) in ${database.engine === 'postgres' ? 'the PostgreSQL database' : join(dataDir, 'pg')}; its secret, shown once:`,
    );
    console.log(key.secret);
    return 0;
  } finally {
    await database.close();
  }
}

export const keysCommand: Command = {
  summary: 'create an API key in the store (an admin key for a fresh `serve`)',
  usage: USAGE,
  whileServing: 'POST /v1/api-keys with an admin key',
  async run(argv) {
    const [sub, ...rest] = argv;
    try {
      if (sub === 'create') return await create(rest);
      throw new ArgumentError(
        sub === undefined ? 'a subcommand is required: create' : `unknown subcommand ${sub}`,
      );
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (error instanceof ArgumentError || (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS'))) {
        console.error(`shoujia keys: ${(error as Error).message}\n\n${USAGE}`);
        return 2;
      }
      throw error;
    }
  },
};
