// The funder kit's encoder: identifiers → OPRF outputs under the funder's key, in worker threads
// (one per core by default), sorted into a set file. The identifiers never leave the funder.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { type Result, err, ok } from '../kernel/index.ts';
import { evaluate } from './oprf.ts';
import {
  ENTRY_BYTES,
  MAX_SET_ENTRIES,
  encodeSetFile,
  parseIdentifier,
  prescreenInput,
  sortEntries,
} from './prescreen-set.ts';

/** The OPRF input text of each identifier ("phone:138…"), or the first bad line. */
export function parseIdentifierLines(text: string): Result<string[], 'identifier_invalid'> {
  const inputs: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '' || (i === 0 && /^[A-Za-z_ ,]+$/.test(line))) continue; // blank lines, a header row
    const identifier = parseIdentifier(line.split(',')[0]!);
    if (!identifier)
      return err(
        'identifier_invalid',
        `line ${i + 1}: not a mainland mobile number or an 18-character ID number`,
        `line ${i + 1}`,
      );
    inputs.push(`${identifier.kind}:${identifier.value}`);
    if (inputs.length > MAX_SET_ENTRIES)
      return err('identifier_invalid', `more than ${MAX_SET_ENTRIES} identifiers`, `line ${i + 1}`);
  }
  return ok(inputs);
}

/** Single-threaded: outputs truncated to ENTRY_BYTES, packed in input order. */
export function encodeInputs(secretKey: Uint8Array, inputs: readonly string[]): Buffer {
  const packed = Buffer.alloc(inputs.length * ENTRY_BYTES);
  for (let i = 0; i < inputs.length; i++) {
    const separator = inputs[i]!.indexOf(':');
    const input = prescreenInput(
      inputs[i]!.slice(0, separator) as 'phone' | 'id',
      inputs[i]!.slice(separator + 1),
    );
    evaluate(secretKey, input).copy(packed, i * ENTRY_BYTES, 0, ENTRY_BYTES);
  }
  return packed;
}

/** Built (dist/, ADR 0067): the worker is JavaScript beside this file; from the sources: TypeScript. */
const COMPILED = import.meta.url.endsWith('.js');
const WORKER_URL = new URL(`./prescreen-encode.worker.${COMPILED ? 'js' : 'ts'}`, import.meta.url);
const WORKER_BOOTSTRAP = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(WORKER_URL.href)}); });`;

function encodeInWorker(secretKey: Uint8Array, inputs: string[]): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // The worker is TypeScript: a small bootstrap registers tsx in the worker, then loads it (on
    // Node 20 `execArgv: ['--import', 'tsx']` does not apply to a worker's entry module).
    const worker = COMPILED
      ? new Worker(WORKER_URL, { workerData: { secretKey, inputs } })
      : new Worker(WORKER_BOOTSTRAP, { eval: true, workerData: { secretKey, inputs } });
    worker.once('message', (packed: Uint8Array) =>
      resolve(Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength)),
    );
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`encoder worker exited with ${code}`));
    });
  });
}

/** Encode in `workers` threads and return the sorted, de-duplicated set file. */
export async function encodeSet(
  key: { keyId: string; secretKey: Uint8Array },
  inputs: string[],
  options: { workers?: number; createdAt: Date },
): Promise<{ file: Buffer; count: number }> {
  const workers = Math.max(1, Math.min(options.workers ?? availableParallelism(), 64));
  const slice = Math.ceil(inputs.length / workers);
  const parts =
    workers === 1 || inputs.length < 1000
      ? [encodeInputs(key.secretKey, inputs)]
      : await Promise.all(
          Array.from({ length: workers }, (_, w) =>
            encodeInWorker(key.secretKey, inputs.slice(w * slice, (w + 1) * slice)),
          ),
        );
  const sorted = sortEntries(Buffer.concat(parts));
  return {
    file: encodeSetFile({ keyId: key.keyId, createdAt: options.createdAt.toISOString() }, sorted),
    count: sorted.length / ENTRY_BYTES,
  };
}
