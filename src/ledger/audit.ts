// The audit: recompute the whole tree from the stored entry bodies, page by page, and compare
// every leaf hash, every stored complete subtree and the root with the latest signed checkpoint.
import { sql } from 'drizzle-orm';
import type { Executor } from '../db/client.ts';
import { leafHashOfBody } from './entry.ts';
import { EMPTY_ROOT, extendTree, frontier, nodeKey } from './merkle.ts';
import { parseVerifierKey, verifyCheckpointNote } from './note.ts';
import type { LedgerService } from './service.ts';
import { latestHead, run, toBuffer } from './store.ts';

/** Leaves per page: bounds memory and statement size whatever the log's length. */
export const AUDIT_PAGE_LEAVES = 20_000;
/** Stop listing after this many problems; one is enough to fail. */
export const MAX_AUDIT_PROBLEMS = 20;

export interface AuditReport {
  ok: boolean;
  treeSize: number;
  rootHash: Buffer;
  leavesChecked: number;
  nodesChecked: number;
  problems: string[];
}

export async function auditLedger(
  executor: Executor,
  ledger: LedgerService,
  onProgress?: (leaves: number, total: number) => void,
): Promise<AuditReport> {
  const problems: string[] = [];
  const head = await latestHead(executor);
  const report = (
    treeSize: number,
    rootHash: Buffer,
    leavesChecked: number,
    nodesChecked: number,
  ): AuditReport => ({
    ok: problems.length === 0,
    treeSize,
    rootHash,
    leavesChecked,
    nodesChecked,
    problems,
  });
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
    const rows = await run(
      executor,
      sql`SELECT l.leaf_index, l.leaf_hash AS tree_leaf, e.body, e.leaf_hash FROM ledger_leaves l JOIN ledger_entries e ON e.entry_id = l.entry_id
          WHERE l.leaf_index >= ${size} AND l.leaf_index < ${size + limit} ORDER BY l.leaf_index LIMIT ${limit}`,
    );
    const leaves: Buffer[] = [];
    for (const [i, row] of rows.entries()) {
      const index = size + i;
      if (Number(row.leaf_index) !== index) {
        problems.push(`leaf ${index}: missing (gap in the log)`);
        break;
      }
      const stored = toBuffer(row.leaf_hash);
      if (!leafHashOfBody(String(row.body)).equals(stored))
        problems.push(`leaf ${index}: entry body does not match its leaf hash`);
      if (!toBuffer(row.tree_leaf).equals(stored))
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
      const stored = await run(
        executor,
        sql`SELECT idx, hash FROM ledger_nodes WHERE level = ${level} AND idx >= ${span.from} AND idx <= ${span.to} ORDER BY idx LIMIT ${span.to - span.from + 1}`,
      );
      if (stored.length !== span.to - span.from + 1)
        problems.push(
          `level ${level}: ${span.to - span.from + 1 - stored.length} stored nodes missing in [${span.from}, ${span.to}]`,
        );
      for (const row of stored) {
        nodesChecked++;
        const expected = computed.get(`${level}:${Number(row.idx)}`);
        if (!expected?.equals(toBuffer(row.hash))) {
          if (problems.length < MAX_AUDIT_PROBLEMS)
            problems.push(`node ${level}:${Number(row.idx)}: stored hash differs from the recomputed one`);
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
