// Imported first by the verification entry (verify.ts): the ledger modules reach for the global
// Buffer when they load (note.ts's DER prefixes, secure-random's empty block), so it must exist
// before any of them is evaluated (ADR 0099).
import { BrowserBuffer } from './buffer.ts';

const scope = globalThis as { Buffer?: unknown };
if (scope.Buffer === undefined) scope.Buffer = BrowserBuffer;
