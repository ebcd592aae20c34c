// The funders' side of an awaited dispatch: signed decision callbacks (POST /v1/funder/decisions)
// and the expiry of dispatches still awaiting an answer (callbacks never sent, parallel windows
// over). Both record the answer and the next step through the step machine in dispatch.ts.
import type { Executor } from '../db/client.ts';
import { DomainError } from './errors.ts';
import { parseAnswer } from './adapters.ts';
import type { DispatchDeps, DispatchOptions, DispatchWorkflow } from './dispatch.ts';
import { verifySignature } from './signature.ts';
import * as store from './store.ts';

export class DispatchCallbacks {
  constructor(
    private readonly deps: Pick<DispatchDeps, 'database' | 'clock' | 'catalog' | 'sharing'>,
    private readonly workflow: DispatchWorkflow,
    private readonly options: Pick<DispatchOptions, 'callbackTtlMs' | 'parallelWindowMs'>,
  ) {}

  // ---- the funder's signed callback ----

  /**
   * Record a decision the funder sends later (POST /v1/funder/decisions). The signature is checked
   * against the raw body with the funder's webhook secret; the application is found through the
   * funder's own pseudonymous reference, so another funder's application is simply not found.
   */
  async recordCallback(
    tx: Executor,
    funderId: string,
    rawBody: string,
    signature: string | undefined,
    body: { applicationRef: string; decision: string },
  ): Promise<{ applicationId: string; continueDispatch: boolean; status: string }> {
    const verified = await this.verifyFunderRequest(tx, funderId, rawBody, signature);
    const applicationId = await this.deps.sharing.resolveApplicationRef(tx, funderId, body.applicationRef);
    const dispatch = applicationId ? await store.dispatchTo(tx, applicationId, funderId) : undefined;
    if (!applicationId || !dispatch)
      throw new DomainError(
        'application_not_found',
        'no application with this reference was sent to you',
        'applicationRef',
      );
    if (
      (dispatch.decision as { callbackSignature?: string } | null)?.callbackSignature === verified.signature
    ) {
      throw new DomainError(
        'signature_replayed',
        'this signed callback was received before',
        'Shoujia-Signature',
      );
    }
    if (dispatch.status !== 'awaiting_callback' && dispatch.status !== 'pending') {
      throw new DomainError(
        'decision_already_recorded',
        `a decision (${dispatch.status}) is already recorded for this application`,
        'applicationRef',
      );
    }
    const answer = parseAnswer(body);
    if (answer.kind !== 'approved' && answer.kind !== 'declined')
      throw new DomainError('invalid_request', 'decision must be approved or declined', 'decision');
    await this.workflow.recordAnswer(
      tx,
      applicationId,
      funderId,
      dispatch.id,
      answer,
      dispatch.attempts,
      verified.signature,
    );
    // While a process holds the step (a send still on its way back), it records what follows;
    // otherwise the next step is recorded here, held by this process, which drives it at once.
    const step = await store.lockStep(tx, applicationId);
    const held = step?.owner != null && step.dueAt > this.deps.clock.now();
    let more = false;
    if (held) await this.workflow.settle(tx, applicationId);
    else more = await this.workflow.settleAndSchedule(tx, applicationId, this.workflow.owner);
    return { applicationId, continueDispatch: more, status: answer.kind };
  }

  /**
   * A funder's signed request (a decision, a repayment): `signature` must sign the raw body with the
   * funder's webhook secret within the replay window; otherwise signature_invalid / signature_expired.
   */
  async verifyFunderRequest(
    tx: Executor,
    funderId: string,
    rawBody: string,
    signature: string | undefined,
  ): Promise<{ timestampSeconds: number; signature: string }> {
    const secret = await this.deps.catalog.webhookSecret(tx, funderId);
    if (!secret)
      throw new DomainError(
        'signature_invalid',
        'the funder has no webhook secret to sign with',
        'Shoujia-Signature',
      );
    const verified = verifySignature(secret, signature, rawBody, this.deps.clock.now());
    if (!verified.ok) throw new DomainError(verified.code, verified.message, verified.field);
    return verified.value;
  }

  // ---- timers: callbacks never sent, parallel windows, and the sweeper ----

  /**
   * Time out callbacks never sent within callbackTtlMs (the waterfall continues) and settle
   * parallel fan-outs whose window is over, one batch each; expireStale() calls it.
   */
  async expireAwaiting(): Promise<{ callbacksTimedOut: number; parallelSettled: number }> {
    const now = this.deps.clock.now();
    const { db } = this.deps.database;
    let callbacksTimedOut = 0;
    for (const stale of await store.staleAwaiting(db, new Date(now.getTime() - this.options.callbackTtlMs))) {
      const more = await db.transaction(async (tx) => {
        const dispatch = await store.dispatchTo(tx, stale.applicationId, stale.funderId);
        if (dispatch?.status !== 'awaiting_callback' && dispatch?.status !== 'pending') return null;
        // A pending send this old is one no process took up again (rows from before the step machine).
        await this.workflow.recordAnswer(
          tx,
          stale.applicationId,
          stale.funderId,
          dispatch.id,
          { kind: 'timeout' },
          dispatch.attempts,
          null,
        );
        return this.workflow.settleAndSchedule(tx, stale.applicationId, this.workflow.owner);
      });
      if (more === null) continue;
      callbacksTimedOut++;
      if (more) await this.workflow.drive(stale.applicationId);
    }
    // Parallel fan-outs holding an approval whose window is over: keep the best approval so far.
    let parallelSettled = 0;
    for (const applicationId of await store.parallelPastWindow(
      db,
      new Date(now.getTime() - this.options.parallelWindowMs),
    )) {
      await db.transaction((tx) => this.workflow.settleAndSchedule(tx, applicationId, null));
      parallelSettled++;
    }
    return { callbacksTimedOut, parallelSettled };
  }
}
