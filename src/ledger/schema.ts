// Ledger tables. Entries, leaves, tree nodes, checkpoints and cosignatures are append-only
// (UPDATE/DELETE refused by triggers in the ledger_append_only migration).
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  customType,
  index,
  integer,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

const bytea = customType<{ data: Buffer; driverData: Buffer | Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => Buffer.from(value),
});

/** PostgreSQL's 64-bit transaction id (never wraps), as decimal text. */
const xid8 = customType<{ data: string }>({ dataType: () => 'xid8' });

export const ledgerEntries = pgTable(
  'ledger_entries',
  {
    entryId: text('entry_id').primaryKey(),
    kind: text('kind').notNull(),
    /** the funder the entry is about (scopes who may read it), null for origination */
    funderId: text('funder_id'),
    customerId: text('customer_id'),
    /** RFC 8785 canonical JSON of the entry with its salt: exactly the bytes hashed into the leaf */
    body: text('body').notNull(),
    /** SHA-256(0x00 || body) */
    leafHash: bytea('leaf_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
    /**
     * The appending transaction's id. The integrator takes entries in (xid, seq) order, only
     * from transactions older than every transaction still running, so an entry committed late can
     * never fall behind the watermark (ADR 0021). Replaces a pending queue: no second row per entry.
     */
    /** append order inside a transaction */
    seq: bigserial('seq', { mode: 'number' }).notNull(),
    xid: xid8('xid').notNull().default(sql`pg_current_xact_id()`),
  },
  (t) => [
    index('ledger_entries_funder').on(t.funderId),
    index('ledger_entries_customer').on(t.customerId),
    index('ledger_entries_sequence').on(t.xid, t.seq),
  ],
);

/** Leaf index → entry. Exactly one leaf per entry, no gaps (the integrator assigns indexes under a lock). */
export const ledgerLeaves = pgTable('ledger_leaves', {
  leafIndex: bigint('leaf_index', { mode: 'number' }).primaryKey(),
  entryId: text('entry_id').notNull().unique(),
  /** the level-0 node of the tree (ledger_nodes holds levels 1 and up) */
  leafHash: bytea('leaf_hash').notNull(),
});

/**
 * Every complete subtree of the RFC 9162 tree above the leaves: node (level, idx) is MTH of leaves
 * [idx·2^level, (idx+1)·2^level). Complete subtrees never change as the log grows, so any proof for
 * any tree size is a fold over O(log n) of these rows, fetched in one query.
 */
export const ledgerNodes = pgTable(
  'ledger_nodes',
  {
    level: integer('level').notNull(),
    idx: bigint('idx', { mode: 'number' }).notNull(),
    hash: bytea('hash').notNull(),
  },
  (t) => [primaryKey({ columns: [t.level, t.idx] })],
);

/** One signed checkpoint per integrated batch; the latest one is the current tree head. */
export const ledgerCheckpoints = pgTable('ledger_checkpoints', {
  treeSize: bigint('tree_size', { mode: 'number' }).primaryKey(),
  rootHash: bytea('root_hash').notNull(),
  /** the whole C2SP signed note (body, blank line, signature lines) */
  note: text('note').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  /** the (xid, seq) of the last entry integrated: where the next batch starts */
  watermarkXid: xid8('watermark_xid').notNull(),
  watermarkSeq: bigint('watermark_seq', { mode: 'number' }).notNull(),
});

/** Funders' C2SP tlog-cosignatures over checkpoints, served with the checkpoint they sign. */
export const ledgerCosignatures = pgTable(
  'ledger_cosignatures',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    treeSize: bigint('tree_size', { mode: 'number' }).notNull(),
    funderId: text('funder_id').notNull(),
    /** the cosigner's verifier key `<name>+<hex key id>+<base64(0x04 || public key)>` */
    verifierKey: text('verifier_key').notNull(),
    /** the signature line, `— <name> <base64(key id || timestamp || signature)>` */
    line: text('line').notNull(),
    cosignedAt: timestamp('cosigned_at', { withTimezone: true, mode: 'date' }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true, mode: 'date' }).notNull(),
  },
  (t) => [
    uniqueIndex('ledger_cosignatures_tree_key').on(t.treeSize, t.verifierKey),
    index('ledger_cosignatures_funder').on(t.funderId, t.treeSize),
  ],
);
