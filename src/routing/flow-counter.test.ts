// The service's flow counter (ADR 0073): counts batch into one write at a time, this process sees
// its own counts until a usage read holds them, and a failed write keeps them for the next.
import { describe, expect, it } from 'vitest';
import { type FlowDeltas, FlowCounter } from './flow-counter.ts';

const plain = (deltas: FlowDeltas) =>
  Object.fromEntries([...deltas].map(([month, funders]) => [month, Object.fromEntries(funders)]));

describe('FlowCounter', () => {
  it('writes the counts made while a write runs in the next one, and shows them locally until read', async () => {
    const writes: Array<ReturnType<typeof plain>> = [];
    let release: () => void = () => {};
    const counter = new FlowCounter(async (deltas) => {
      writes.push(plain(deltas));
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    counter.count('2026-12', 'A', ['a', 'b']);
    counter.count('2026-12', 'A', ['a']); // while the first write runs
    counter.count('2026-12', 'C', ['b']);
    expect(counter.local('2026-12', 'a')).toEqual({ A: 2 });
    expect(counter.local('2026-12', 'z')).toBeUndefined();
    release();
    await new Promise((resolve) => setImmediate(resolve));
    release();
    await counter.idle();
    expect(writes).toEqual([
      { '2026-12': { a: { A: 1 }, b: { A: 1 } } },
      { '2026-12': { a: { A: 1 }, b: { C: 1 } } },
    ]);
    // Written, but rows read before the writes may not hold them: still local.
    expect(counter.local('2026-12', 'b')).toEqual({ A: 1, C: 1 });
    const seq = counter.readStarted();
    counter.loaded(seq);
    expect(counter.local('2026-12', 'b')).toBeUndefined();
    expect(counter.funders('2026-12')).toEqual(new Set());
  });

  it('keeps the counts of a failed write for the next one, and reports the error', async () => {
    let fail = true;
    const errors: unknown[] = [];
    const written: Array<ReturnType<typeof plain>> = [];
    const counter = new FlowCounter(
      async (deltas) => {
        if (fail) throw new Error('database away');
        written.push(plain(deltas));
      },
      (error) => errors.push(error),
    );
    counter.count('2026-12', 'B', ['a']);
    await counter.idle();
    expect(errors).toHaveLength(1);
    expect(counter.local('2026-12', 'a')).toEqual({ B: 1 });
    fail = false;
    counter.count('2026-12', 'B', ['a']);
    await counter.flush();
    expect(written).toEqual([{ '2026-12': { a: { B: 2 } } }]);
  });

  it('with a pause, the counts made during it share one write; flush writes at once', async () => {
    const writes: Array<ReturnType<typeof plain>> = [];
    const counter = new FlowCounter(
      async (deltas) => {
        writes.push(plain(deltas));
      },
      undefined,
      30,
    );
    for (let i = 0; i < 5; i++) counter.count('2026-12', 'A', ['a']);
    expect(writes).toEqual([]); // still pausing
    await counter.idle();
    expect(writes).toEqual([{ '2026-12': { a: { A: 5 } } }]);
    counter.count('2026-12', 'B', ['a']);
    await counter.flush();
    expect(writes).toHaveLength(2);
  });
});
