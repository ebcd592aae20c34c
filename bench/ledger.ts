// Ledger on PostgreSQL: sequenced appends per second (appended, integrated into the tree and
// covered by a signed checkpoint) and inclusion-proof latency at 1M entries.
// Peers in the same run: single-entry transactions with batched integration, and the fully
// unbatched path (one entry per transaction, one integration per entry). Tessera's published
// ~10,000/s (POSIX driver, NVMe) is quoted, not re-run: it is a Go server with its own storage.
// Uses its own database on SHOUJIA_BENCH_PG_URL (or SHOUJIA_TEST_PG_URL, or the local server), dropped after.
// Options: --entries N (per batched round, default 200k), --proof-leaves N (default 1M); env
// LEDGER_BENCH_WRITERS / LEDGER_BENCH_PER_TX / LEDGER_BENCH_BATCH to explore the batching.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { type Database, openDatabase } from '../src/db/client.ts';
import { SeededRandom } from '../src/kernel/index.ts';
import { verifyInclusion } from '../src/ledger/merkle.ts';
import type { LedgerEntryInput } from '../src/ledger/model.ts';
import { DEFAULT_BATCH_SIZE, LedgerService } from '../src/ledger/service.ts';
import { createServices } from '../src/services.ts';
import type { BenchArea, BenchResult } from './run.ts';

const BASE_URL =
  process.env.SHOUJIA_BENCH_PG_URL ??
  process.env.SHOUJIA_TEST_PG_URL ??
  'postgres://postgres@127.0.0.1:5432/postgres';
const ROUNDS = 3;
const WRITERS = Number(process.env.LEDGER_BENCH_WRITERS ?? 4);
const ENTRIES_PER_TRANSACTION = Number(process.env.LEDGER_BENCH_PER_TX ?? 1_000);
/** the service default unless overridden, so the figure is what servers run */
const INTEGRATE_BATCH = Number(process.env.LEDGER_BENCH_BATCH ?? DEFAULT_BATCH_SIZE);
const BULK_BATCH = 50_000;
const PROOF_SAMPLES = 2_000;

function option(args: string[], name: string, fallback: number): number {
  const index = args.indexOf(`--${name}`);
  if (index < 0) return fallback;
  const value = Number(args[index + 1]);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`--${name} needs a positive integer`);
  return value;
}

/** A realistic exposure receipt (~330 bytes of canonical JSON with its salt). */
const exposure = (i: number): LedgerEntryInput => ({
  kind: 'exposure',
  funderId: `fund-${i % 12}`,
  customerId: `cus_${(i * 7919) % 1_000_003}`,
  stage: i % 3 === 0 ? 'prescreen' : 'application',
  fields: ['ageBand', 'city', 'incomeBand', 'amountFen', 'termMonths'],
  payloadHash: (i * 2654435761).toString(16).padStart(64, '0').slice(-64),
  consentId: `cns_${i}`,
});

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Appends `total` entries from WRITERS concurrent writers while an integrator loop runs, and
 * returns entries per second from the first append to the checkpoint that covers the last one.
 */
async function sequencedRate(
  database: Database,
  ledger: LedgerService,
  total: number,
  perTransaction: number,
  writers: number,
  next: () => number,
): Promise<number> {
  const target = (await ledger.head(database.db)).treeSize + total;
  const started = performance.now();
  let done = false;
  const integrator = (async () => {
    while (!done) {
      const { integrated, treeSize } = await ledger.integrate();
      if (treeSize >= target) done = true;
      else if (integrated === 0) await sleep(2);
    }
  })();
  const perWriter = Math.ceil(total / writers);
  await Promise.all(
    Array.from({ length: writers }, async (_, w) => {
      const mine = Math.min(perWriter, total - w * perWriter);
      for (let sent = 0; sent < mine; sent += perTransaction) {
        const count = Math.min(perTransaction, mine - sent);
        const entries = Array.from({ length: count }, () => exposure(next()));
        await database.db.transaction(async (tx) => {
          if (count === 1) await ledger.append(tx, entries[0]!);
          else await ledger.appendMany(tx, entries);
        });
      }
    }),
  );
  await integrator;
  return total / ((performance.now() - started) / 1000);
}

const area: BenchArea = {
  description: 'sequenced appends per second on PostgreSQL and inclusion-proof latency at 1M entries',
  async run({ log, args }) {
    const batchedEntries = option(args, 'entries', 200_000);
    const proofLeaves = option(args, 'proof-leaves', 1_000_000);
    const name = `shoujia_bench_ledger_${randomBytes(4).toString('hex')}`;
    const admin = new pg.Client({ connectionString: BASE_URL });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    const url = new URL(BASE_URL);
    url.pathname = `/${name}`;
    const database = await openDatabase({ url: url.toString(), poolMax: WRITERS + 2 });
    try {
      const masterKey = randomBytes(32);
      const services = createServices({ database, masterKey });
      const make = (batchSize: number) =>
        new LedgerService({
          database,
          clock: services.clock,
          masterKey,
          origin: services.ledgerOrigin,
          batchSize,
        });
      const batched = make(INTEGRATE_BATCH);
      let counter = 0;
      const next = () => counter++;

      log(
        `PostgreSQL ${(await database.query<{ v: string }>("SELECT current_setting('server_version') AS v"))[0]!.v}, database ${name}, ${WRITERS} writers`,
      );
      await sequencedRate(database, batched, 5_000, ENTRIES_PER_TRANSACTION, WRITERS, next); // warm-up
      const batchedRates: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        batchedRates.push(
          await sequencedRate(database, batched, batchedEntries, ENTRIES_PER_TRANSACTION, WRITERS, next),
        );
        log(
          `  batched (${ENTRIES_PER_TRANSACTION}/transaction, integrate ${INTEGRATE_BATCH}/batch): ${Math.round(batchedRates.at(-1)!)} entries/s`,
        );
      }
      const singleRates: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        singleRates.push(await sequencedRate(database, batched, 4_000, 1, 16, next));
        log(
          `  peer: 1 entry/transaction, 16 writers, batched integration: ${Math.round(singleRates.at(-1)!)} entries/s`,
        );
      }
      const unbatchedRates: number[] = [];
      const unbatched = make(1);
      for (let round = 0; round < ROUNDS; round++) {
        unbatchedRates.push(await sequencedRate(database, unbatched, 600, 1, 1, next));
        log(
          `  peer: unbatched (1 entry/transaction, 1 entry/integration): ${Math.round(unbatchedRates.at(-1)!)} entries/s`,
        );
      }

      // Grow the log to the proof size through the same append and integrate code, in bulk.
      let size = (await batched.head(database.db)).treeSize;
      const bulk = make(BULK_BATCH);
      const loadStarted = performance.now();
      while (size < proofLeaves) {
        const count = Math.min(BULK_BATCH, proofLeaves - size);
        await database.db.transaction((tx) =>
          bulk.appendMany(
            tx,
            Array.from({ length: count }, () => exposure(next())),
          ),
        );
        size = (await bulk.integrate()).treeSize;
      }
      log(
        `  built a ${size}-entry log (${Math.round((performance.now() - loadStarted) / 1000)} s to top up)`,
      );
      const head = await batched.head(database.db);
      const random = new SeededRandom(20260301);
      for (let i = 0; i < 200; i++)
        await batched.inclusionProof(database.db, random.int(0, head.treeSize - 1), head.treeSize); // warm the cache
      const latencies: number[] = [];
      for (let i = 0; i < PROOF_SAMPLES; i++) {
        const index = random.int(0, head.treeSize - 1);
        const started = performance.now();
        const proof = await batched.inclusionProof(database.db, index, head.treeSize);
        latencies.push(performance.now() - started);
        if (
          i % 100 === 0 &&
          !verifyInclusion(index, head.treeSize, proof.leafHash, proof.proof, head.rootHash).ok
        )
          throw new Error(`proof for ${index} does not verify`);
      }
      const proofMedian = median(latencies);
      const p99 = [...latencies].sort((a, b) => a - b)[Math.floor(latencies.length * 0.99)]!;
      log(
        `  inclusion proof at ${head.treeSize}: median ${proofMedian.toFixed(3)} ms, p99 ${p99.toFixed(3)} ms (head + one node read, ${PROOF_SAMPLES} samples)`,
      );

      const results: BenchResult[] = [
        {
          name: 'appends_per_s',
          value: Math.round(median(batchedRates)),
          unit: 'entries/s',
          note: `median of ${ROUNDS}; goal >= 20,000; peers: 1 entry/transaction ${Math.round(median(singleRates))}/s, unbatched ${Math.round(median(unbatchedRates))}/s, Tessera POSIX published ~10,000/s`,
        },
        {
          name: 'inclusion_proof_ms_1m',
          value: Number(proofMedian.toFixed(3)),
          unit: 'ms',
          note: `median at ${head.treeSize} entries, p99 ${p99.toFixed(3)} ms; goal <= 1 ms`,
        },
      ];
      return results;
    } finally {
      await database.close();
      await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.end();
    }
  },
};

export default area;
