// Ledger queries. Raw SQL where batching matters (multi-row inserts, one-query proof reads); every
// read of a growing table is bounded (STYLE §8).
import { plainSql } from '../db/render.ts';
import { sql, type SQL } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import type { Ref, UnitOfWork } from '../db/unit-of-work.ts';
import { ledgerEntries } from './schema.ts';
import { assert } from '../kernel/index.ts';
import type { NodeId } from './merkle.ts';

/** Rows per INSERT statement: bounds statement memory for bulk loads; arrays travel as one parameter per column. */
export const INSERT_CHUNK_ROWS = 20_000;
/** A proof needs at most ~2·64 nodes; anything larger is a bug in the caller. */
export const MAX_NODES_PER_READ = 256;
/** Advisory lock key for the integrator ("ledger" in ASCII), held for one integration transaction. */
export const INTEGRATOR_LOCK_KEY = 0x6c6564676572;

export interface EntryRow {
  entryId: string;
  kind: string;
  funderId: string | null;
  customerId: string | null;
  body: string;
  leafHash: Buffer;
  createdAt: Date;
}

type Row = Record<string, unknown>;

/** node-postgres and PGlite both answer `execute` with `{ rows }`. */
export async function run(executor: Executor, query: SQL): Promise<Row[]> {
  const result = (await executor.execute(query)) as unknown as { rows?: Row[] };
  return result.rows ?? [];
}

export function toBuffer(value: unknown): Buffer {
  assert(value instanceof Uint8Array, 'expected bytea');
  return Buffer.from(value);
}

/**
 * Insert entries in the caller's transaction, one round trip per chunk. Each row records the
 * appending transaction's id (column default), which is what the integrator sequences by.
 */
export async function insertEntries(executor: Executor, rows: EntryRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += INSERT_CHUNK_ROWS)
    await executor.execute(insertEntriesStatement(rows.slice(start, start + INSERT_CHUNK_ROWS)));
}

/** An entry as an intent of a unit of work (ADR 0069), written only if `when` holds at commit. */
export function addEntry(unit: UnitOfWork, row: EntryRow, when?: Ref<boolean>): void {
  unit.insert(ledgerEntries, row, when ? { when } : {});
}

/** The INSERT of up to INSERT_CHUNK_ROWS entries (the ledger's own bulk appends). */
function insertEntriesStatement(chunk: EntryRow[]): SQL {
  assert(chunk.length <= INSERT_CHUNK_ROWS, 'one statement holds at most INSERT_CHUNK_ROWS entries');
  // Column arrays as single parameters (unnest): one statement of any size, no parameter limit.
  return plainSql`
      INSERT INTO ledger_entries (entry_id, kind, funder_id, customer_id, body, leaf_hash, created_at)
      SELECT id, kind, funder, customer, body, decode(hash, 'hex'), created
      FROM unnest(
        ${plainSql.param(chunk.map((r) => r.entryId))}::text[], ${plainSql.param(chunk.map((r) => r.kind))}::text[],
        ${plainSql.param(chunk.map((r) => r.funderId))}::text[], ${plainSql.param(chunk.map((r) => r.customerId))}::text[],
        ${plainSql.param(chunk.map((r) => r.body))}::text[], ${plainSql.param(chunk.map((r) => r.leafHash.toString('hex')))}::text[],
        ${plainSql.param(chunk.map((r) => r.createdAt.toISOString()))}::timestamptz[]
      ) WITH ORDINALITY AS t(id, kind, funder, customer, body, hash, created, position)
      ORDER BY position`;
}

export async function lockIntegrator(executor: Executor): Promise<void> {
  await executor.execute(sql`SELECT pg_advisory_xact_lock(${sql.raw(String(INTEGRATOR_LOCK_KEY))})`);
}

export interface StoredHead {
  treeSize: number;
  rootHash: Buffer;
  note: string;
  watermark: Watermark;
}

/** Position in the (xid, seq) order of the last integrated entry. */
export interface Watermark {
  xid: string;
  seq: number;
}

export const START_WATERMARK: Watermark = { xid: '0', seq: 0 };

export async function latestHead(executor: Executor): Promise<StoredHead | undefined> {
  const [row] = await run(
    executor,
    sql`SELECT tree_size, root_hash, note, watermark_xid::text AS watermark_xid, watermark_seq
        FROM ledger_checkpoints ORDER BY tree_size DESC LIMIT 1`,
  );
  if (!row) return undefined;
  return {
    treeSize: Number(row.tree_size),
    rootHash: toBuffer(row.root_hash),
    note: String(row.note),
    watermark: { xid: String(row.watermark_xid), seq: Number(row.watermark_seq) },
  };
}

export async function checkpointAt(
  executor: Executor,
  treeSize: number,
): Promise<{ treeSize: number; rootHash: Buffer; note: string } | undefined> {
  const [row] = await run(
    executor,
    sql`SELECT tree_size, root_hash, note FROM ledger_checkpoints WHERE tree_size = ${treeSize} LIMIT 1`,
  );
  if (!row) return undefined;
  return { treeSize: Number(row.tree_size), rootHash: toBuffer(row.root_hash), note: String(row.note) };
}

/**
 * The transaction-id horizon below which every transaction of this database has finished: the
 * oldest transaction still running here (or prepared), else the snapshot's xmax. Unlike
 * pg_snapshot_xmin it ignores transactions in other databases of the same cluster, which cannot
 * append to our log (ADR 0021). Two statements so the snapshot is taken before the activity read:
 * a transaction that got its xid after the snapshot has xid >= xmax anyway.
 */
export async function integrationHorizon(executor: Executor): Promise<string> {
  const [snapshot] = await run(executor, sql`SELECT pg_current_snapshot()::text AS snap`);
  const snap = String(snapshot!.snap);
  const [row] = await run(
    executor,
    sql`SELECT COALESCE(
          (SELECT min(x) FROM pg_snapshot_xip(${snap}::pg_snapshot) AS x
            WHERE xid(x) IN (SELECT backend_xid FROM pg_stat_activity
                               WHERE datname = current_database() AND backend_xid IS NOT NULL AND pid <> pg_backend_pid()
                             UNION ALL
                             SELECT transaction FROM pg_prepared_xacts WHERE database = current_database())),
          pg_snapshot_xmax(${snap}::pg_snapshot))::text AS horizon`,
  );
  return String(row!.horizon);
}

/**
 * The next entries to integrate, in (xid, seq) order after the watermark, only from
 * transactions below the horizon: those have all committed or aborted, so nothing can later
 * appear behind the new watermark (no gap, nothing skipped, nothing twice).
 *
 * ORDER BY names the table's columns (`e.xid`), never an output alias: an alias `xid` for
 * `xid::text` made PostgreSQL sort by the text ("10000" < "9999"), so a batch spanning a power
 * of ten in xids ended on the wrong watermark — the upper side was taken twice, or with a full
 * batch the lower side was skipped for ever (ADR 0025). The text form is aliased apart. Entries
 * that already have a leaf are left out (NOT EXISTS): a log whose stored watermark that bug left
 * behind its own leaves resumes instead of failing on the same duplicate at every tick.
 */
export async function takeNext(
  executor: Executor,
  after: Watermark,
  horizon: string,
  limit: number,
): Promise<Array<{ entryId: string; leafHash: Buffer; xid: string; seq: number }>> {
  const rows = await run(
    executor,
    sql`SELECT e.entry_id, e.leaf_hash, e.xid::text AS xid_text, e.seq FROM ledger_entries e
        WHERE (e.xid, e.seq) > (${after.xid}::xid8, ${after.seq}::bigint)
          AND e.xid < ${horizon}::xid8
          AND NOT EXISTS (SELECT 1 FROM ledger_leaves l WHERE l.entry_id = e.entry_id)
        ORDER BY e.xid, e.seq LIMIT ${limit}`,
  );
  return rows.map((r) => ({
    entryId: String(r.entry_id),
    leafHash: toBuffer(r.leaf_hash),
    xid: String(r.xid_text),
    seq: Number(r.seq),
  }));
}

/** Strict (xid, seq) order, compared as numbers: xid8 is 64-bit, so BigInt, never text. */
export function watermarkBefore(a: Watermark, b: Watermark): boolean {
  const ax = BigInt(a.xid);
  const bx = BigInt(b.xid);
  return ax < bx || (ax === bx && a.seq < b.seq);
}

/** Fetch the given complete-subtree nodes in one indexed query. */
export async function readNodes(executor: Executor, ids: NodeId[]): Promise<Map<string, Buffer>> {
  const found = new Map<string, Buffer>();
  if (ids.length === 0) return found;
  assert(ids.length <= MAX_NODES_PER_READ, `too many nodes in one read: ${ids.length}`);
  for (const id of ids)
    assert(Number.isSafeInteger(id.level) && Number.isSafeInteger(id.index), 'node ids are integers');
  // The ids are integers checked above, so inlining them is safe and lets the planner use the
  // primary keys. Level 0 lives in ledger_leaves, levels >= 1 in ledger_nodes: one round trip.
  const leaves = ids.filter((id) => id.level === 0).map((id) => id.index);
  const inner = ids.filter((id) => id.level > 0).map((id) => `(${id.level},${id.index})`);
  const parts: string[] = [];
  if (leaves.length > 0)
    parts.push(
      `SELECT 0 AS level, leaf_index AS idx, leaf_hash AS hash FROM ledger_leaves WHERE leaf_index IN (${leaves.join(',')})`,
    );
  if (inner.length > 0)
    parts.push(`SELECT level, idx, hash FROM ledger_nodes WHERE (level, idx) IN (${inner.join(',')})`);
  const rows = await run(executor, sql.raw(`${parts.join(' UNION ALL ')} LIMIT ${ids.length}`));
  for (const r of rows) found.set(`${Number(r.level)}:${Number(r.idx)}`, toBuffer(r.hash));
  return found;
}

/** Store the complete subtrees above the leaves (level 0 is stored with the leaves). */
export async function insertNodes(
  executor: Executor,
  nodes: Array<{ level: number; index: number; hash: Buffer }>,
): Promise<void> {
  const inner = nodes.filter((n) => n.level > 0);
  for (let start = 0; start < inner.length; start += INSERT_CHUNK_ROWS) {
    const chunk = inner.slice(start, start + INSERT_CHUNK_ROWS);
    await executor.execute(
      sql`INSERT INTO ledger_nodes (level, idx, hash)
          SELECT level, idx, decode(hash, 'hex') FROM unnest(${sql.param(chunk.map((n) => n.level))}::int[], ${sql.param(chunk.map((n) => n.index))}::bigint[], ${sql.param(chunk.map((n) => n.hash.toString('hex')))}::text[]) AS t(level, idx, hash)`,
    );
  }
}

/** Assign consecutive indexes from `firstIndex` to these entries, with their leaf hashes. */
export async function insertLeaves(
  executor: Executor,
  firstIndex: number,
  leaves: Array<{ entryId: string; leafHash: Buffer }>,
): Promise<void> {
  for (let start = 0; start < leaves.length; start += INSERT_CHUNK_ROWS) {
    const chunk = leaves.slice(start, start + INSERT_CHUNK_ROWS);
    await executor.execute(
      sql`INSERT INTO ledger_leaves (leaf_index, entry_id, leaf_hash)
          SELECT ${firstIndex + start}::bigint + position - 1, entry_id, decode(hash, 'hex')
          FROM unnest(${sql.param(chunk.map((l) => l.entryId))}::text[], ${sql.param(chunk.map((l) => l.leafHash.toString('hex')))}::text[]) WITH ORDINALITY AS t(entry_id, hash, position)`,
    );
  }
}

export async function insertCheckpoint(
  executor: Executor,
  head: { treeSize: number; rootHash: Buffer; note: string; createdAt: Date; watermark: Watermark },
): Promise<void> {
  await executor.execute(
    sql`INSERT INTO ledger_checkpoints (tree_size, root_hash, note, created_at, watermark_xid, watermark_seq)
        VALUES (${head.treeSize}, decode(${head.rootHash.toString('hex')}, 'hex'), ${head.note}, ${head.createdAt.toISOString()}::timestamptz,
                ${head.watermark.xid}::xid8, ${head.watermark.seq})`,
  );
}

export async function entryAtIndex(
  executor: Executor,
  index: number,
): Promise<(EntryRow & { index: number }) | undefined> {
  const [row] = await run(
    executor,
    sql`SELECT l.leaf_index, e.entry_id, e.kind, e.funder_id, e.customer_id, e.body, e.leaf_hash, e.created_at
        FROM ledger_leaves l JOIN ledger_entries e ON e.entry_id = l.entry_id WHERE l.leaf_index = ${index} LIMIT 1`,
  );
  return row ? toEntryRow(row) : undefined;
}

export async function indexOfEntry(executor: Executor, entryId: string): Promise<number | undefined> {
  const [row] = await run(
    executor,
    sql`SELECT leaf_index FROM ledger_leaves WHERE entry_id = ${entryId} LIMIT 1`,
  );
  return row ? Number(row.leaf_index) : undefined;
}

function toEntryRow(row: Row): EntryRow & { index: number } {
  return {
    index: Number(row.leaf_index),
    entryId: String(row.entry_id),
    kind: String(row.kind),
    funderId: row.funder_id === null ? null : String(row.funder_id),
    customerId: row.customer_id === null ? null : String(row.customer_id),
    body: String(row.body),
    leafHash: toBuffer(row.leaf_hash),
    createdAt: new Date(row.created_at as string),
  };
}

// ---- reads for the audit (audit.ts): every query stays in the store (DESIGN principle 8) ----

/** Leaves [from, from + limit): the tree's leaf hash beside its entry's body and stored leaf hash, in index order. */
export async function auditLeavesPage(
  executor: Executor,
  from: number,
  limit: number,
): Promise<Array<{ leafIndex: number; treeLeaf: Buffer; body: string; leafHash: Buffer }>> {
  const rows = await run(
    executor,
    sql`SELECT l.leaf_index, l.leaf_hash AS tree_leaf, e.body, e.leaf_hash FROM ledger_leaves l JOIN ledger_entries e ON e.entry_id = l.entry_id
        WHERE l.leaf_index >= ${from} AND l.leaf_index < ${from + limit} ORDER BY l.leaf_index LIMIT ${limit}`,
  );
  return rows.map((r) => ({
    leafIndex: Number(r.leaf_index),
    treeLeaf: toBuffer(r.tree_leaf),
    body: String(r.body),
    leafHash: toBuffer(r.leaf_hash),
  }));
}

/** Stored nodes of one level with index in [from, to], in index order. */
export async function auditNodesRange(
  executor: Executor,
  level: number,
  from: number,
  to: number,
): Promise<Array<{ index: number; hash: Buffer }>> {
  const rows = await run(
    executor,
    sql`SELECT idx, hash FROM ledger_nodes WHERE level = ${level} AND idx >= ${from} AND idx <= ${to} ORDER BY idx LIMIT ${to - from + 1}`,
  );
  return rows.map((r) => ({ index: Number(r.idx), hash: toBuffer(r.hash) }));
}

/** Whether the named index exists on ledger_leaves (the audit checks one leaf per entry is enforced). */
export async function leavesIndexExists(executor: Executor, indexName: string): Promise<boolean> {
  const [row] = await run(
    executor,
    sql`SELECT count(*) AS n FROM pg_indexes WHERE tablename = 'ledger_leaves' AND indexname = ${indexName}`,
  );
  return Number(row!.n) === 1;
}

/**
 * The next page of committed entries below the horizon after `after`, in (xid, seq) order, each with
 * how many leaves it has, how many of them lie below `treeSize`, and their indexes. The page is cut
 * by the (xid, seq) index first; leaves are then counted through the unique index on entry_id.
 * ORDER BY names columns, never the text alias (ADR 0025).
 */
export async function entryCoveragePage(
  executor: Executor,
  after: Watermark,
  horizon: string,
  treeSize: number,
  limit: number,
): Promise<
  Array<{ entryId: string; xid: string; seq: number; leaves: number; inTree: number; indexes: string }>
> {
  const rows = await run(
    executor,
    sql`SELECT p.entry_id, p.xid_text, p.seq, c.leaves, c.in_tree, c.indexes
        FROM (SELECT e.entry_id, e.xid, e.xid::text AS xid_text, e.seq FROM ledger_entries e
              WHERE (e.xid, e.seq) > (${after.xid}::xid8, ${after.seq}::bigint) AND e.xid < ${horizon}::xid8
              ORDER BY e.xid, e.seq LIMIT ${limit}) p
        CROSS JOIN LATERAL (
          SELECT count(*) AS leaves, count(*) FILTER (WHERE l.leaf_index < ${treeSize}) AS in_tree,
                 string_agg(l.leaf_index::text, ', ' ORDER BY l.leaf_index) AS indexes
          FROM ledger_leaves l WHERE l.entry_id = p.entry_id) c
        ORDER BY p.xid, p.seq`,
  );
  return rows.map((r) => ({
    entryId: String(r.entry_id),
    xid: String(r.xid_text),
    seq: Number(r.seq),
    leaves: Number(r.leaves),
    inTree: Number(r.in_tree),
    indexes: String(r.indexes),
  }));
}

// ---- reads for the timeline and /metrics (ADR 0103, 0102) ----

/** A customer's entries, oldest first, at most `limit`, each with its leaf index once integrated. */
export async function entriesOfCustomer(
  executor: Executor,
  customerId: string,
  limit: number,
): Promise<Array<{ entryId: string; kind: string; body: string; createdAt: Date; index: number | null }>> {
  const rows = await run(
    executor,
    sql`SELECT e.entry_id, e.kind, e.body, e.created_at, l.leaf_index FROM ledger_entries e
        LEFT JOIN ledger_leaves l ON l.entry_id = e.entry_id
        WHERE e.customer_id = ${customerId} ORDER BY e.created_at, e.seq LIMIT ${limit}`,
  );
  return rows.map((r) => ({
    entryId: String(r.entry_id),
    kind: String(r.kind),
    body: String(r.body),
    createdAt: new Date(r.created_at as string),
    index: r.leaf_index === null || r.leaf_index === undefined ? null : Number(r.leaf_index),
  }));
}

/** Leaf indexes of these entries (those integrated), at most `entryIds.length` rows. */
export async function indexesOfEntries(
  executor: Executor,
  entryIds: readonly string[],
): Promise<Map<string, number>> {
  if (entryIds.length === 0) return new Map();
  const rows = await run(
    executor,
    sql`SELECT entry_id, leaf_index FROM ledger_leaves WHERE entry_id = ANY(${sql.param([...entryIds])}::text[])`,
  );
  return new Map(rows.map((r) => [String(r.entry_id), Number(r.leaf_index)]));
}

/**
 * Entries appended after the latest checkpoint's watermark (not yet in a signed tree head): how many,
 * counted up to `countMax` (the index on (xid, seq) reads only them), and the oldest one's time.
 */
export async function pendingEntries(
  executor: Executor,
  after: Watermark,
  countMax: number,
): Promise<{ count: number; oldestAt: Date | null }> {
  const [row] = await run(
    executor,
    sql`SELECT count(*)::int AS n, min(created_at) AS oldest FROM (
          SELECT created_at FROM ledger_entries
          WHERE (xid, seq) > (${after.xid}::xid8, ${after.seq}::bigint)
          ORDER BY xid, seq LIMIT ${countMax}) AS pending`,
  );
  return {
    count: Number(row?.n ?? 0),
    oldestAt: row?.oldest === null || row?.oldest === undefined ? null : new Date(row.oldest as string),
  };
}
