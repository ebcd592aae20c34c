// The funder kit's pre-screen commands (run on the funder's side, never the platform's):
//   shoujia funder keygen --out key.pem [--key-id ID]
//   shoujia funder prescreen-encode --key key.pem --in ids.csv --out set.bin [--workers N]
//   shoujia funder serve-oprf --key key.pem [--key old.pem …] [--port 8090] [--host 127.0.0.1]
//                             [--max-batch 64] [--rate-per-minute 600] [--token-env OPRF_TOKEN]
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import type { Command } from '../cli/main.ts';
import { systemClock } from '../kernel/index.ts';
import { publicKeyOf, scalarFromRandom } from './oprf.ts';
import { KEY_ID_PATTERN, type OprfKey, encodeKeyPem, parseKeyPem } from './oprf-key.ts';
import { DEFAULT_ELEMENTS_PER_MINUTE, DEFAULT_MAX_BATCH, createOprfService } from './oprf-server.ts';
import { encodeSet, parseIdentifierLines } from './prescreen-encode.ts';

const USAGE = `Usage: shoujia funder <subcommand> [options]

The funder kit's private pre-screen (隐私撞库, RFC 9497 OPRF, ristretto255-SHA512).

  keygen --out key.pem [--key-id ID]
      Make a new OPRF key. Keep it on the funder's side; rotate by making a new one.

  prescreen-encode --key key.pem --in ids.csv --out set.bin [--workers N]
      Encode your customer / block list (one mobile number or ID number per line; other columns
      are ignored) into set.bin for the platform. Uses N worker threads (default: all cores).

  serve-oprf --key key.pem [--key previous.pem] [--port 8090] [--host 127.0.0.1]
             [--max-batch ${DEFAULT_MAX_BATCH}] [--rate-per-minute ${DEFAULT_ELEMENTS_PER_MINUTE}] [--token-env NAME]
      Answer the platform's blinded pre-screen requests. The first --key is current; add the
      previous key while the platform still holds a set encoded under it. SIGHUP reloads the keys.
      --token-env names an environment variable holding a bearer token the platform must send.

Exit codes: 0 done, 1 failed, 2 bad arguments.`;

class ArgumentError extends Error {}

function parse(argv: string[], options: NonNullable<ParseArgsConfig['options']>) {
  try {
    return parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values as Record<
      string,
      string | string[] | undefined
    >;
  } catch (error) {
    throw new ArgumentError((error as Error).message);
  }
}

function required(values: Record<string, unknown>, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw new ArgumentError(`--${name} is required`);
  return value;
}

function integer(
  values: Record<string, unknown>,
  name: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ArgumentError(`--${name} must be an integer in [${min}, ${max}]`);
  return value;
}

function loadKey(path: string): OprfKey {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new ArgumentError(`--key: cannot read ${path}`);
  }
  const key = parseKeyPem(text);
  if (!key.ok) throw new ArgumentError(`--key: ${path}: ${key.message}`);
  return key.value;
}

async function keygen(argv: string[]): Promise<number> {
  const values = parse(argv, { out: { type: 'string' }, 'key-id': { type: 'string' } });
  const out = required(values, 'out');
  const keyId =
    (values['key-id'] as string | undefined) ??
    `k${systemClock.now().toISOString().slice(0, 10).replaceAll('-', '')}`;
  if (!KEY_ID_PATTERN.test(keyId)) throw new ArgumentError('--key-id: letters, digits, . _ - (at most 64)');
  const secretKey = scalarFromRandom(randomBytes(64));
  writeFileSync(out, encodeKeyPem({ keyId, secretKey }), { mode: 0o600, flag: 'wx' });
  console.log(
    `wrote ${out} (key id ${keyId}, public key ${Buffer.from(publicKeyOf(secretKey)).toString('hex')})`,
  );
  return 0;
}

async function prescreenEncode(argv: string[]): Promise<number> {
  const values = parse(argv, {
    key: { type: 'string' },
    in: { type: 'string' },
    out: { type: 'string' },
    workers: { type: 'string' },
  });
  const key = loadKey(required(values, 'key'));
  const inPath = required(values, 'in');
  const out = required(values, 'out');
  const workers = integer(values, 'workers', availableParallelism(), 1, 64);
  let text: string;
  try {
    text = readFileSync(inPath, 'utf8');
  } catch {
    throw new ArgumentError(`--in: cannot read ${inPath}`);
  }
  const inputs = parseIdentifierLines(text);
  if (!inputs.ok) {
    console.error(`shoujia funder prescreen-encode: --in ${inPath}: ${inputs.message}`);
    return 1;
  }
  const started = performance.now();
  const { file, count } = await encodeSet(key, inputs.value, { workers, createdAt: systemClock.now() });
  writeFileSync(out, file);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `encoded ${inputs.value.length} identifiers (${count} distinct) under key ${key.keyId} in ${seconds.toFixed(1)} s with ${workers} worker(s) → ${out}`,
  );
  return 0;
}

async function serveOprf(argv: string[]): Promise<number> {
  const values = parse(argv, {
    key: { type: 'string', multiple: true },
    port: { type: 'string' },
    host: { type: 'string' },
    'max-batch': { type: 'string' },
    'rate-per-minute': { type: 'string' },
    'token-env': { type: 'string' },
  });
  const keyPaths = (values.key as string[] | undefined) ?? [];
  if (keyPaths.length === 0) throw new ArgumentError('--key is required');
  const keys = keyPaths.map(loadKey);
  const port = integer(values, 'port', 8090, 0, 65535);
  const host = (values.host as string | undefined) ?? '127.0.0.1';
  const tokenEnv = values['token-env'] as string | undefined;
  const token = tokenEnv ? process.env[tokenEnv] : undefined;
  if (tokenEnv && !token) throw new ArgumentError(`--token-env: ${tokenEnv} is not set`);
  const service = createOprfService({
    keys,
    clock: systemClock,
    maxBatch: integer(values, 'max-batch', DEFAULT_MAX_BATCH, 1, 1024),
    elementsPerMinute: integer(values, 'rate-per-minute', DEFAULT_ELEMENTS_PER_MINUTE, 1, 10_000_000),
    ...(token ? { token } : {}),
  });
  process.on('SIGHUP', () => {
    try {
      service.setKeys(keyPaths.map(loadKey));
      console.log(`reloaded ${keyPaths.length} key(s)`);
    } catch (error) {
      console.error(`key reload failed, keeping the loaded keys: ${(error as Error).message}`);
    }
  });
  await new Promise<void>((resolve) => service.server.listen(port, host, resolve));
  const address = service.server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  console.log(
    `OPRF service on http://${host}:${bound} (keys ${keys.map((k) => k.keyId).join(', ')}; current ${keys[0]!.keyId})`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => service.server.close(() => resolve());
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return 0;
}

const SUBCOMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  keygen,
  'prescreen-encode': prescreenEncode,
  'serve-oprf': serveOprf,
};

export const funderCommand: Command = {
  summary: 'funder kit: OPRF keys, encode a pre-screen list, serve the private pre-screen',
  usage: USAGE,
  async run(argv) {
    const [name, ...rest] = argv;
    const sub = name ? SUBCOMMANDS[name] : undefined;
    if (!sub) {
      console.error(
        `shoujia funder: ${name ? `unknown subcommand '${name}'` : 'a subcommand is required'}\n\n${USAGE}`,
      );
      return 2;
    }
    try {
      return await sub(rest);
    } catch (error) {
      if (error instanceof ArgumentError) {
        console.error(`shoujia funder ${name}: ${error.message}`);
        return 2;
      }
      throw error;
    }
  },
};
