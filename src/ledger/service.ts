// Ledger use cases: append an entry in the caller's transaction; integrate queued entries into the
// RFC 9162 tree in batches under one database-wide lock, signing a checkpoint per batch; serve
// checkpoints, proofs, entries (scoped to the caller) and funders' cosignatures.
import type { KeyObject } from 'node:crypto';
import { and, desc, eq } from 'drizzle-orm';
import type { Principal } from '../access/model.ts';
import type { Database, Executor } from '../db/client.ts';
import type { Ref, UnitOfWork } from '../db/unit-of-work.ts';
import { type Clock, assert, deriveKey, secureRandomBytes } from '../kernel/index.ts';
import { DomainError } from './errors.ts';
import {
  commitEntry,
  type EntryBlinding,
  entryIdOf,
  entryNamingApplication,
  entrySubjects,
  SALT_BYTES,
} from './entry.ts';
import {
  consistencyRanges,
  EMPTY_ROOT,
  extendTree,
  frontier,
  inclusionRanges,
  nodeKey,
  nodesForRanges,
  proofFromNodes,
} from './merkle.ts';
import type {
  AppendResult,
  ConsistencyProof,
  InclusionProof,
  IntegratedEntry,
  LedgerEntry,
  LedgerEntryInput,
  TreeHead,
} from './model.ts';
import {
  checkpointBody,
  ed25519FromSeed,
  formatVerifierKey,
  isKeyName,
  parseNote,
  parseVerifierKey,
  SIGNATURE_TYPE_COSIGNATURE_V1,
  SIGNATURE_TYPE_ED25519,
  signNote,
  verifyCosignature,
} from './note.ts';
import { ledgerCosignatures } from './schema.ts';
import * as store from './store.ts';

/** Entries integrated per transaction (bench: 20k batches beat 10k by ~30% on 2 cores); a busy log integrates several per tick. */
export const DEFAULT_BATCH_SIZE = 20_000;
/** The issue asks for a checkpoint at least once a second under load. */
export const DEFAULT_INTEGRATE_INTERVAL_MS = 1_000;
/** Batches per tick, so one tick cannot run forever behind a flood of appends. */
export const MAX_BATCHES_PER_TICK = 100;
export const MAX_COSIGNATURES_SERVED = 20;
/** Entries of one customer an application's timeline reads (oldest first): years of re-applications. */
export const ENTRIES_PER_CUSTOMER_READ = 1_000;
/** The integration lag counts pending entries up to this many (/metrics: beyond it, "at least"). */
export const PENDING_COUNT_MAX = 1_000_000;
/** Cosignature timestamps may run ahead of our clock by at most this much (clock skew). */
export const MAX_COSIGNATURE_FUTURE_SECONDS = 300;

export interface LedgerOptions {
  database: Database;
  clock: Clock;
  masterKey: Buffer;
  /** an explicit Ed25519 seed for the checkpoint key (32 bytes); absent: derived from masterKey */
  signingSeed?: Buffer | undefined;
  origin: string;
  batchSize?: number;
  /** salt source; tests may pass a seeded one */
  salt?: (bytes: number) => Uint8Array;
  /**
   * the funders' pseudonyms for funder-facing entries (entry.ts FUNDER_FACING_KINDS); absent: bodies
   * keep the platform's ids (unit tests of the tree alone)
   */
  blinding?: EntryBlinding;
}

export class LedgerService {
  readonly origin: string;
  readonly keyName: string;
  readonly publicKey: Buffer;
  readonly verifierKey: string;
  private readonly privateKey: KeyObject;
  private readonly batchSize: number;
  private readonly salt: (bytes: number) => Uint8Array;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(private readonly deps: LedgerOptions) {
    assert(deps.origin.length > 0 && !deps.origin.includes('\n'), 'ledger origin is one non-empty line');
    this.origin = deps.origin;
    // signed-note key names may not contain '+' or spaces; the origin conventionally names the key.
    this.keyName = deps.origin.replace(/[\s+]/gu, '_');
    assert(isKeyName(this.keyName), 'ledger key name');
    // ADR 0020: the checkpoint key is derived from the master key (HKDF purpose ledger/checkpoint/ed25519)
    // unless an explicit seed is configured (SHOUJIA_LEDGER_SIGNING_KEY).
    assert(
      deps.signingSeed === undefined || deps.signingSeed.length === 32,
      'ledger signing seed is 32 bytes',
    );
    const { privateKey, publicKey } = ed25519FromSeed(
      deps.signingSeed ?? deriveKey(deps.masterKey, 'ledger/checkpoint/ed25519'),
    );
    this.privateKey = privateKey;
    this.publicKey = publicKey;
    this.verifierKey = formatVerifierKey(this.keyName, SIGNATURE_TYPE_ED25519, publicKey);
    this.batchSize = deps.batchSize ?? DEFAULT_BATCH_SIZE;
    this.salt = deps.salt ?? secureRandomBytes;
  }

  /** Record one entry in the caller's transaction. It enters the tree at the next integration. */
  async append(tx: Executor, entry: LedgerEntryInput): Promise<AppendResult> {
    const [result] = await this.appendMany(tx, [entry]);
    return result!;
  }

  /** Record several entries in one statement (batched producers, bulk loads). */
  async appendMany(tx: Executor, entries: readonly LedgerEntryInput[]): Promise<AppendResult[]> {
    const rows = this.entryRows(entries);
    await store.insertEntries(tx, rows);
    return rows.map((r) => ({ entryId: r.entryId }));
  }

  /**
   * Add an entry to a unit of work: it commits with the change it records, or not at all. With
   * `when` it is written only if that holds at commit (origination: only if the unit created the
   * customer). Other modules reach this through the events they raise (services.ts, ADR 0069).
   */
  record(unit: UnitOfWork, entry: LedgerEntryInput, when?: Ref<boolean>): AppendResult {
    const [row] = this.entryRows([entry]);
    store.addEntry(unit, row!, when);
    return { entryId: row!.entryId };
  }

  private entryRows(entries: readonly LedgerEntryInput[]): store.EntryRow[] {
    const now = this.deps.clock.now();
    // One draw from the OS for the whole batch: per-entry randomBytes calls dominated append CPU.
    const salts = this.salt(SALT_BYTES * entries.length);
    return entries.map((input, i) => {
      const { body, leafHash } = commitEntry(
        input,
        now,
        salts.subarray(i * SALT_BYTES, (i + 1) * SALT_BYTES),
        this.deps.blinding,
      );
      const { funderId, customerId } = entrySubjects(input);
      return {
        // Time-ordered and named by its leaf (ADR 0021); unique because every leaf is salted.
        entryId: entryIdOf(leafHash, now),
        kind: input.kind,
        funderId,
        customerId,
        body,
        leafHash,
        createdAt: now,
      };
    });
  }

  /**
   * Integrate queued entries: one transaction per batch, serialised across processes by an
   * advisory lock, so every entry gets exactly one index, indexes have no gaps and there is one
   * tree. Returns the tree size after the last batch.
   */
  async integrate(options: { maxBatches?: number } = {}): Promise<{ treeSize: number; integrated: number }> {
    let integrated = 0;
    let treeSize = 0;
    const maxBatches = options.maxBatches ?? MAX_BATCHES_PER_TICK;
    for (let batch = 0; batch < maxBatches; batch++) {
      const result = await this.deps.database.db.transaction(async (tx) => this.integrateBatch(tx));
      treeSize = result.treeSize;
      integrated += result.integrated;
      if (result.integrated < this.batchSize) break;
    }
    return { treeSize, integrated };
  }

  private async integrateBatch(tx: Executor): Promise<{ treeSize: number; integrated: number }> {
    await store.lockIntegrator(tx);
    const head = await store.latestHead(tx);
    const oldSize = head?.treeSize ?? 0;
    const horizon = await store.integrationHorizon(tx);
    const watermark = head?.watermark ?? store.START_WATERMARK;
    const taken = await store.takeNext(tx, watermark, horizon, this.batchSize);
    if (taken.length === 0) return { treeSize: oldSize, integrated: 0 };
    // The watermark is the batch's last entry, so the batch must be in strict numeric (xid, seq)
    // order after the old one: checked before anything is written (a text-ordered batch once
    // took entries twice or skipped them, ADR 0025).
    let previous = watermark;
    for (const t of taken) {
      assert(
        store.watermarkBefore(previous, t),
        `ledger batch out of (xid, seq) order: (${t.xid}, ${t.seq}) after (${previous.xid}, ${previous.seq})`,
      );
      previous = t;
    }
    const frontierIds = frontier(oldSize);
    const frontierNodes = await store.readNodes(tx, frontierIds);
    assert(frontierNodes.size === frontierIds.length, `ledger frontier incomplete at size ${oldSize}`);
    const extended = extendTree(
      oldSize,
      frontierNodes,
      taken.map((t) => t.leafHash),
    );
    await store.insertLeaves(tx, oldSize, taken);
    await store.insertNodes(tx, extended.nodes);
    const note = signNote(
      checkpointBody({ origin: this.origin, treeSize: extended.treeSize, rootHash: extended.rootHash }),
      this.keyName,
      this.privateKey,
      this.publicKey,
    );
    const last = taken[taken.length - 1]!;
    await store.insertCheckpoint(tx, {
      treeSize: extended.treeSize,
      rootHash: extended.rootHash,
      note,
      createdAt: this.deps.clock.now(),
      watermark: { xid: last.xid, seq: last.seq },
    });
    return { treeSize: extended.treeSize, integrated: taken.length };
  }

  /** Run the integrator every `intervalMs` until stop(). Errors are reported, not fatal: the next tick retries. */
  start(intervalMs = DEFAULT_INTEGRATE_INTERVAL_MS, onError: (error: unknown) => void = () => {}): void {
    assert(intervalMs >= 10 && intervalMs <= 60_000, 'ledger integrate interval must be 10..60000 ms');
    if (this.timer) return;
    // Fixed rate: the next tick is due intervalMs after this one started, so a tick that took a
    // while does not stretch the period past the interval (every batch signs its own checkpoint).
    const tick = () => {
      const started = performance.now();
      this.running = this.integrate()
        .catch(onError)
        .finally(() => {
          this.running = undefined;
          if (this.timer)
            this.timer = setTimeout(tick, Math.max(0, intervalMs - (performance.now() - started)));
        });
    };
    this.timer = setTimeout(tick, intervalMs);
  }

  /** Stop the timer, finish the batch in flight, and integrate what is left. */
  async stop(): Promise<void> {
    const timer = this.timer;
    this.timer = undefined;
    if (timer) clearTimeout(timer);
    await this.running;
    if (timer) await this.integrate();
  }

  async head(executor: Executor): Promise<TreeHead> {
    const head = await store.latestHead(executor);
    return head
      ? { treeSize: head.treeSize, rootHash: head.rootHash }
      : { treeSize: 0, rootHash: EMPTY_ROOT };
  }

  /** The latest signed checkpoint with the cosignatures funders submitted for it. */
  async checkpoint(executor: Executor): Promise<string> {
    const head = await store.latestHead(executor);
    if (!head) {
      // The empty tree still gets a signed checkpoint, so clients can start from size 0.
      return signNote(
        checkpointBody({ origin: this.origin, treeSize: 0, rootHash: EMPTY_ROOT }),
        this.keyName,
        this.privateKey,
        this.publicKey,
      );
    }
    return this.checkpointAt(executor, head.treeSize, head.note);
  }

  /** A stored checkpoint note with the cosignatures funders submitted for that size. */
  private async checkpointAt(executor: Executor, treeSize: number, note: string): Promise<string> {
    const cosignatures = await executor
      .select({ line: ledgerCosignatures.line })
      .from(ledgerCosignatures)
      .where(eq(ledgerCosignatures.treeSize, treeSize))
      .orderBy(ledgerCosignatures.id)
      .limit(MAX_COSIGNATURES_SERVED);
    return note + cosignatures.map((c) => c.line).join('');
  }

  async inclusionProof(executor: Executor, index: number, treeSize: number): Promise<InclusionProof> {
    const head = await this.head(executor);
    checkSize(treeSize, head.treeSize, 'treeSize', 1);
    if (!Number.isSafeInteger(index) || index < 0 || index >= treeSize) {
      throw new DomainError('ledger_index_out_of_range', `index must be in [0, ${treeSize})`, 'index');
    }
    const ranges = inclusionRanges(index, treeSize);
    const leafId = { level: 0, index };
    const nodes = await store.readNodes(executor, [leafId, ...nodesForRanges(ranges)]);
    const leafHash = nodes.get(nodeKey(leafId));
    assert(leafHash, `leaf ${index} missing below tree size ${head.treeSize}`);
    return { index, treeSize, leafHash, proof: proofFromNodes(ranges, nodes) };
  }

  async consistencyProof(executor: Executor, from: number, to: number): Promise<ConsistencyProof> {
    const head = await this.head(executor);
    checkSize(to, head.treeSize, 'to', 0);
    checkSize(from, head.treeSize, 'from', 0);
    if (from > to) throw new DomainError('ledger_from_after_to', 'from must not exceed to', 'from');
    const ranges = consistencyRanges(from, to);
    const nodes = await store.readNodes(executor, nodesForRanges(ranges));
    return { from, to, proof: proofFromNodes(ranges, nodes) };
  }

  /** An integrated entry, if the principal may see it (admin/analyst: any; funder: its own). */
  async entry(executor: Executor, index: number, principal: Principal): Promise<IntegratedEntry> {
    if (!Number.isSafeInteger(index) || index < 0)
      throw new DomainError('ledger_index_out_of_range', 'index must be a non-negative integer', 'index');
    const row = await store.entryAtIndex(executor, index);
    const visible =
      row &&
      (principal.role === 'admin' ||
        principal.role === 'analyst' ||
        (principal.role === 'funder' && principal.funderId !== null && row.funderId === principal.funderId));
    if (!row || !visible)
      throw new DomainError('ledger_entry_not_found', `no ledger entry at index ${index}`, 'index');
    return {
      index: row.index,
      entryId: row.entryId,
      leafHash: row.leafHash,
      entry: JSON.parse(row.body) as LedgerEntry,
    };
  }

  /**
   * What a third party needs to check one entry offline: the latest signed checkpoint, the entry
   * with its salt, and its inclusion proof against that checkpoint. Undefined until integrated.
   * The caller decides who may see the entry body (it is private to the platform and that funder).
   */
  async evidence(
    executor: Executor,
    entryId: string,
  ): Promise<
    | {
        checkpoint: string;
        index: number;
        treeSize: number;
        leafHash: Buffer;
        proof: Buffer[];
        entry: LedgerEntry;
      }
    | undefined
  > {
    const index = await store.indexOfEntry(executor, entryId);
    if (index === undefined) return undefined;
    const head = await store.latestHead(executor);
    assert(head && head.treeSize > index, `entry ${entryId} has index ${index} beyond the latest checkpoint`);
    const row = await store.entryAtIndex(executor, index);
    assert(row && row.entryId === entryId, `leaf ${index} is not entry ${entryId}`);
    const proof = await this.inclusionProof(executor, index, head.treeSize);
    const checkpoint = await this.checkpointAt(executor, head.treeSize, head.note);
    return {
      checkpoint,
      index,
      treeSize: head.treeSize,
      leafHash: proof.leafHash,
      proof: proof.proof,
      entry: JSON.parse(row.body) as LedgerEntry,
    };
  }

  /**
   * The entries about one application, oldest first, each with its leaf index (null until
   * integrated): origination names it in clear, funder-facing kinds by their commitment to its id
   * (entry.ts `idCommitment`), which the salt in the stored body lets the platform recompute.
   */
  async entriesOfApplication(
    executor: Executor,
    customerId: string,
    applicationId: string,
  ): Promise<Array<{ entryId: string; index: number | null; kind: string; at: Date }>> {
    const rows = await store.entriesOfCustomer(executor, customerId, ENTRIES_PER_CUSTOMER_READ);
    return rows.flatMap((row) => {
      const at = entryNamingApplication(row.body, applicationId);
      return at ? [{ entryId: row.entryId, index: row.index, kind: row.kind, at }] : [];
    });
  }

  /** Leaf indexes of the integrated ones among these entries. */
  async indexesOf(executor: Executor, entryIds: readonly string[]): Promise<Map<string, number>> {
    return store.indexesOfEntries(executor, entryIds);
  }

  /** The signed tree's size and what is appended but not yet in it (/metrics: integration lag). */
  async integrationState(
    executor: Executor,
  ): Promise<{ treeSize: number; pending: number; oldestPendingAt: Date | null }> {
    const head = await store.latestHead(executor);
    const pending = await store.pendingEntries(
      executor,
      head?.watermark ?? store.START_WATERMARK,
      PENDING_COUNT_MAX,
    );
    return { treeSize: head?.treeSize ?? 0, pending: pending.count, oldestPendingAt: pending.oldestAt };
  }

  /** The leaf index of an entry once integrated (undefined while still queued). */
  async indexOf(executor: Executor, entryId: string): Promise<number | undefined> {
    return store.indexOfEntry(executor, entryId);
  }

  /**
   * A funder's C2SP tlog-cosignature of one of our checkpoints. The funder's cosigner key is bound
   * to the funder on first use (ADR 0022); a different key later is refused.
   */
  async addCosignature(
    tx: Executor,
    funderId: string,
    input: { verifierKey: string; cosignature: string; treeSize: number },
  ): Promise<{ treeSize: number; timestamp: number }> {
    const key = parseVerifierKey(input.verifierKey);
    if (!key.ok) throw new DomainError('ledger_cosignature_invalid', key.message, 'verifierKey');
    if (key.value.type !== SIGNATURE_TYPE_COSIGNATURE_V1)
      throw new DomainError(
        'ledger_cosignature_invalid',
        'a cosigner key has type 0x04 (cosignature/v1)',
        'verifierKey',
      );
    const checkpoint = await store.checkpointAt(tx, input.treeSize);
    if (!checkpoint)
      throw new DomainError(
        'ledger_checkpoint_not_found',
        `no checkpoint of size ${input.treeSize}`,
        'treeSize',
      );
    const note = parseNote(checkpoint.note);
    assert(note.ok, 'stored checkpoint parses');
    const line = input.cosignature.endsWith('\n') ? input.cosignature : `${input.cosignature}\n`;
    const verified = verifyCosignature(line, note.value.body, key.value);
    if (!verified.ok) throw new DomainError('ledger_cosignature_invalid', verified.message, 'cosignature');
    const nowSeconds = Math.floor(this.deps.clock.now().getTime() / 1000);
    if (verified.value.timestampSeconds > nowSeconds + MAX_COSIGNATURE_FUTURE_SECONDS) {
      throw new DomainError(
        'ledger_cosignature_invalid',
        'the cosignature timestamp is in the future',
        'cosignature',
      );
    }
    const [bound] = await tx
      .select({ verifierKey: ledgerCosignatures.verifierKey })
      .from(ledgerCosignatures)
      .where(eq(ledgerCosignatures.funderId, funderId))
      .orderBy(desc(ledgerCosignatures.id))
      .limit(1);
    if (bound && bound.verifierKey !== input.verifierKey.trim()) {
      throw new DomainError(
        'ledger_cosigner_key_mismatch',
        'this funder cosigns with another key',
        'verifierKey',
      );
    }
    const [existing] = await tx
      .select({ id: ledgerCosignatures.id })
      .from(ledgerCosignatures)
      .where(
        and(
          eq(ledgerCosignatures.treeSize, input.treeSize),
          eq(ledgerCosignatures.verifierKey, input.verifierKey.trim()),
        ),
      )
      .limit(1);
    if (!existing) {
      await tx.insert(ledgerCosignatures).values({
        treeSize: input.treeSize,
        funderId,
        verifierKey: input.verifierKey.trim(),
        line: verified.value.signature.line,
        cosignedAt: new Date(verified.value.timestampSeconds * 1000),
        createdAt: this.deps.clock.now(),
      });
    }
    return { treeSize: input.treeSize, timestamp: verified.value.timestampSeconds };
  }
}

function checkSize(size: number, current: number, field: string, minimum: number): void {
  if (!Number.isSafeInteger(size) || size < minimum || size > current) {
    throw new DomainError(
      'ledger_size_out_of_range',
      `${field} must be in [${minimum}, ${current}] (the current tree size)`,
      field,
    );
  }
}
