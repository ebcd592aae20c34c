// Worker for `shoujia funder prescreen-encode`: OPRF-evaluates a slice of identifiers and returns
// the truncated outputs packed in one buffer.
import { parentPort, workerData } from 'node:worker_threads';
import { encodeInputs } from './prescreen-encode.ts';

const { secretKey, inputs } = workerData as { secretKey: Uint8Array; inputs: string[] };
const packed = encodeInputs(secretKey, inputs);
parentPort!.postMessage(packed, [packed.buffer as ArrayBuffer]);
