// Cryptographically secure random bytes, drawn from the OS 4 KiB at a time. A submission needs
// about seven small draws (two ids, four AES-GCM nonces, a ledger salt); one getrandom call each
// was ~5 µs apiece on this VM, most of it the system call. Every byte is served once: a refill
// allocates a new block, so a slice handed out earlier is never overwritten or handed out again.
import { randomFillSync } from 'node:crypto';

const BLOCK = 4096;
let block = Buffer.alloc(0);
let offset = 0;

/** `n` fresh random bytes from the OS CSPRNG (a view into a block used once; copy if you keep it long). */
export function secureRandomBytes(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`bad byte count ${n}`);
  if (n > BLOCK / 4) return randomFillSync(Buffer.allocUnsafe(n));
  if (offset + n > block.length) {
    block = randomFillSync(Buffer.allocUnsafeSlow(BLOCK));
    offset = 0;
  }
  const bytes = block.subarray(offset, offset + n);
  offset += n;
  return bytes;
}
