// The audit: recompute the whole tree from the stored entry bodies, page by page, and compare
// every leaf hash, every stored complete subtree and the root with the latest signed checkpoint;
// then walk the committed entries and check that each one the checkpoint covers has exactly one leaf.
import type { Executor } from '../db/client.ts';
import { leafHashOfBody } from './entry.ts';
import { EMPTY_ROOT, extendTree, frontier, nodeKey } from './merkle.ts';
import { parseVerifierKey, verifyCheckpointNote } from './note.ts';
import type { LedgerService } from './service.ts';
import {
  auditLeavesPage,
  auditNodesRange,
  entryCoveragePage,
  integrationHorizon,
  latestHead,
  leavesIndexExists,
  START_WATERMARK,
  type Watermark,
  watermarkBefore,
} from './store.ts';

/** Leaves per page: bounds memory and statement size whatever the log's length. */
export const AUDIT_PAGE_LEAVES = 20_000;
/** Entries per page of the coverage walk (keyset pages in (xid, seq) order): bounds memory and statement time. */
export const AUDIT_PAGE_ENTRIES = 20_000;
/** Stop listing after this many problems; one is enough to fail. */
export const MAX_AUDIT_PROBLEMS = 20;
/** The unique index the integrator's "exactly one leaf per entry" leans on (schema.ts). */
const LEAF_ENTRY_UNIQUE_INDEX = 'ledger_leaves_entry_id_unique';

export interface AuditReport {
  ok: boolean;
  treeSize: number;
  rootHash: Buffer;
  leavesChecked: number;
  nodesChecked: number;
  /** committed entries below the integration horizon that the coverage walk looked at */
  entriesChecked: number;
  /** at or before the checkpoint's watermark, yet with no leaf: skipped, never to be integrated */
  entriesMissing: number;
  /** with two or more leaves: taken twice */
  entriesWithSeveralLeaves: number;
  /** after the watermark and not in the checkpoint's tree: waiting for the next integration */
  entriesPending: number;
  problems: string[];
}

export async function auditLedger(
  executor: Executor,
  ledger: LedgerService,
  onProgress?: (leaves: number, total: number) => void,
): Promise<AuditReport> {
  const problems: string[] = [];
  const head = await latestHead(executor);
  const report = async (
    treeSize: number,
    rootHash: Buffer,
    leavesChecked: number,
    nodesChecked: number,
  ): Promise<AuditReport> => {
    const coverage = await auditCoverage(
      executor,
      head
        ? { treeSize: head.treeSize, watermark: head.watermark }
        : { treeSize: 0, watermark: START_WATERMARK },
      problems,
    );
    return {
      ok: problems.length === 0,
      treeSize,
      rootHash,
      leavesChecked,
      nodesChecked,
      ...coverage,
      problems,
    };
  };
  if (!head) return report(0, EMPTY_ROOT, 0, 0);
  const key = parseVerifierKey(ledger.verifierKey);
  if (!key.ok) throw new Error(key.message);
  const checkpoint = verifyCheckpointNote(head.note, key.value);
  if (!checkpoint.ok) problems.push(`latest checkpoint: ${checkpoint.message}`);
  else if (checkpoint.value.treeSize !== head.treeSize || !checkpoint.value.rootHash.equals(head.rootHash)) {
    problems.push('latest checkpoint: the signed note disagrees with its stored size or root');
  }

  let size = 0;
  let front = new Map<string, Buffer>();
  let rootHash = EMPTY_ROOT;
  let nodesChecked = 0;
  while (size < head.treeSize && problems.length < MAX_AUDIT_PROBLEMS) {
    const limit = Math.min(AUDIT_PAGE_LEAVES, head.treeSize - size);
    const rows = await auditLeavesPage(executor, size, limit);
    const leaves: Buffer[] = [];
    for (const [i, row] of rows.entries()) {
      const index = size + i;
      if (row.leafIndex !== index) {
        problems.push(`leaf ${index}: missing (gap in the log)`);
        break;
      }
      const stored = row.leafHash;
      if (!leafHashOfBody(row.body).equals(stored))
        problems.push(`leaf ${index}: entry body does not match its leaf hash`);
      if (!row.treeLeaf.equals(stored))
        problems.push(`leaf ${index}: the tree's leaf differs from the entry's leaf hash`);
      leaves.push(stored);
    }
    if (leaves.length < limit) {
      if (problems.length === 0) problems.push(`leaf ${size + leaves.length}: missing (gap in the log)`);
      break;
    }
    const extended = extendTree(size, front, leaves);
    // Compare every complete subtree this page created with what proofs are served from.
    const byLevel = new Map<number, { from: number; to: number }>();
    for (const n of extended.nodes) {
      if (n.level === 0) continue; // leaves were compared above
      const span = byLevel.get(n.level);
      byLevel.set(n.level, {
        from: Math.min(span?.from ?? n.index, n.index),
        to: Math.max(span?.to ?? n.index, n.index),
      });
    }
    const computed = new Map(extended.nodes.map((n) => [nodeKey(n), n.hash]));
    for (const [level, span] of byLevel) {
      const stored = await auditNodesRange(executor, level, span.from, span.to);
      if (stored.length !== span.to - span.from + 1)
        problems.push(
          `level ${level}: ${span.to - span.from + 1 - stored.length} stored nodes missing in [${span.from}, ${span.to}]`,
        );
      for (const row of stored) {
        nodesChecked++;
        const expected = computed.get(`${level}:${row.index}`);
        if (!expected?.equals(row.hash)) {
          if (problems.length < MAX_AUDIT_PROBLEMS)
            problems.push(`node ${level}:${row.index}: stored hash differs from the recomputed one`);
        }
      }
    }
    size = extended.treeSize;
    rootHash = extended.rootHash;
    front = new Map(
      frontier(size).map((id) => [nodeKey(id), computed.get(nodeKey(id)) ?? front.get(nodeKey(id))!]),
    );
    onProgress?.(size, head.treeSize);
  }
  if (problems.length === 0 && !rootHash.equals(head.rootHash))
    problems.push('root: recomputed root differs from the latest checkpoint');
  return report(head.treeSize, rootHash, size, nodesChecked);
}

/**
 * Every committed entry below the integration horizon, in (xid, seq) keyset pages: those at or
 * before the checkpoint's watermark must have exactly one leaf inside its tree (none: skipped for
 * ever); none may have two; one after the watermark may not be in the checkpoint's tree yet (the
 * signature of a watermark left behind its own leaves, ADR 0025). Entries at or above the horizon
 * may belong to transactions still running and are left for a later audit. Leaves written after
 * the head was read (a live integrator) have indexes at or above its size and are not held against it.
 */
async function auditCoverage(
  executor: Executor,
  head: { treeSize: number; watermark: Watermark },
  problems: string[],
): Promise<
  Pick<AuditReport, 'entriesChecked' | 'entriesMissing' | 'entriesWithSeveralLeaves' | 'entriesPending'>
> {
  const problem = (text: string) => {
    if (problems.length < MAX_AUDIT_PROBLEMS) problems.push(text);
  };
  if (!(await leavesIndexExists(executor, LEAF_ENTRY_UNIQUE_INDEX)))
    problem(
      `ledger_leaves: the unique index ${LEAF_ENTRY_UNIQUE_INDEX} is missing (one leaf per entry is not enforced)`,
    );
  const horizon = await integrationHorizon(executor);
  const counts = { entriesChecked: 0, entriesMissing: 0, entriesWithSeveralLeaves: 0, entriesPending: 0 };
  let after: Watermark = START_WATERMARK;
  for (;;) {
    const rows = await entryCoveragePage(executor, after, horizon, head.treeSize, AUDIT_PAGE_ENTRIES);
    for (const { entryId, xid, seq, leaves, inTree, indexes } of rows) {
      counts.entriesChecked++;
      // At or before the checkpoint's watermark: the integrator will never take it again.
      const covered = !watermarkBefore(head.watermark, { xid, seq });
      if (leaves > 1) {
        counts.entriesWithSeveralLeaves++;
        problem(`entry ${entryId}: ${leaves} leaves (indexes ${indexes}): taken more than once`);
      } else if (covered && inTree === 0) {
        counts.entriesMissing++;
        problem(
          `entry ${entryId}: missing from the tree (xid ${xid}, seq ${seq} is at or before the checkpoint's watermark, so it will never be integrated)`,
        );
      } else if (!covered && inTree > 0) {
        problem(
          `entry ${entryId}: in the tree at index ${indexes} but after the checkpoint's watermark (xid ${head.watermark.xid}, seq ${head.watermark.seq})`,
        );
      } else if (!covered) counts.entriesPending++;
    }
    if (rows.length < AUDIT_PAGE_ENTRIES) break;
    const last = rows[rows.length - 1]!;
    after = { xid: last.xid, seq: last.seq };
  }
  return counts;
}
