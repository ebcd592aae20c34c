// Confirmed findings and the termination trigger (issue 16 items 2 and 5, ADR 0092, ADR 0093): a
// detection confirmation becomes one finding per customer it cites (the penalty lines' basis), and
// when the contract's threshold of findings is reached within its window, routing to the funder is
// suspended through settlement.termination_triggered and the termination stands, as an alert, until
// an admin lifts it with a recorded reason (settlement.termination_lifted).
import type { CatalogService } from '../catalog/service.ts';
import { TERMINATION_WINDOW_DAYS_DEFAULT } from '../catalog/model.ts';
import type { TransactionUnit } from '../db/unit-of-work.ts';
import { assert, type Clock, MS_PER_DAY } from '../kernel/index.ts';
import { DomainError } from './errors.ts';
import type { Termination, TerminationLifted, TerminationTriggered } from './model.ts';
import * as store from './store.ts';

/** The most customers one confirmation records findings for (detection cites at most 20 × 100 evidence ids). */
export const FINDING_CUSTOMERS_MAX = 2_000;

export interface Confirmation {
  /** detection's level change that confirmed: one confirmation, one finding id */
  findingId: string;
  funderId: string;
  /** the customers of the attributed evidence the confirmation cites (explained evidence is not cited as poaching) */
  customerIds: readonly string[];
  confirmedAt: Date;
}

export interface TerminationDeps {
  clock: Clock;
  catalog: Pick<CatalogService, 'currentContract'>;
}

/**
 * Record a confirmation's findings and fire the termination trigger when the contract's threshold
 * is reached. Idempotent: findings are unique per (finding, customer) and a trigger per
 * confirmation, so a rerun records and fires nothing new. Findings before the funder's last lift
 * were answered by that termination and do not count again; while one is in force, none fires.
 */
export async function recordConfirmation(
  deps: TerminationDeps,
  unit: TransactionUnit,
  input: Confirmation,
): Promise<Termination | undefined> {
  const tx = unit.tx;
  const customerIds = [...new Set(input.customerIds)].sort();
  assert(customerIds.length <= FINDING_CUSTOMERS_MAX, 'detection bounds the evidence a confirmation cites');
  await store.recordFindings(
    tx,
    customerIds.map((customerId) => ({
      findingId: input.findingId,
      customerId,
      funderId: input.funderId,
      confirmedAt: input.confirmedAt,
    })),
  );
  const contract = await deps.catalog.currentContract(tx, input.funderId);
  if (!contract?.terms.noBackflow.enabled) return undefined;
  if (await store.terminationInForce(tx, input.funderId)) return undefined;
  const { terminationThreshold: threshold } = contract.terms.noBackflow;
  const windowDays = contract.terms.noBackflow.terminationWindowDays ?? TERMINATION_WINDOW_DAYS_DEFAULT;
  const windowStart = input.confirmedAt.getTime() - windowDays * MS_PER_DAY;
  const lifted = await store.lastLiftedAt(tx, input.funderId);
  // a finding confirmed at the instant of a lift was answered by it: count strictly after
  const from = new Date(Math.max(windowStart, lifted === null ? windowStart : lifted.getTime() + 1));
  const findings = await store.findingsCount(tx, input.funderId, from, input.confirmedAt);
  if (findings < threshold) return undefined;
  const termination: Termination = {
    id: `trm-${input.funderId}-${input.findingId}`,
    funderId: input.funderId,
    contractId: contract.id,
    findingId: input.findingId,
    findings,
    threshold,
    windowDays,
    triggeredAt: deps.clock.now(),
    status: 'in-force',
    liftedAt: null,
    liftedBy: null,
    liftReason: null,
  };
  if (!(await store.insertTermination(tx, termination))) return store.getTermination(tx, termination.id);
  unit.publish({
    topic: 'settlement.termination_triggered',
    aggregateId: termination.id,
    payload: {
      funderId: termination.funderId,
      terminationId: termination.id,
      contractId: termination.contractId,
      findings,
      threshold,
      windowDays,
    },
    at: termination.triggeredAt,
  } satisfies TerminationTriggered);
  return termination;
}

/**
 * Lift a termination: an admin's explicit act with a reason, recorded on the row and raised as
 * settlement.termination_lifted (catalog makes the funder active again, in this unit). The same
 * admin and reason again answer the lift already recorded; another lift of a lifted one is refused.
 */
export async function liftTermination(
  deps: TerminationDeps,
  unit: TransactionUnit,
  terminationId: string,
  input: { liftedBy: string; reason: string },
): Promise<Termination> {
  const found = await store.getTermination(unit.tx, terminationId, true);
  if (!found)
    throw new DomainError('termination_not_found', `no termination ${terminationId}`, 'terminationId');
  if (found.status === 'lifted') {
    if (found.liftedBy === input.liftedBy && found.liftReason === input.reason) return found;
    throw new DomainError(
      'termination_already_lifted',
      `${terminationId} was lifted already`,
      'terminationId',
    );
  }
  const lift = { liftedAt: deps.clock.now(), liftedBy: input.liftedBy, liftReason: input.reason };
  await store.liftTermination(unit.tx, terminationId, lift);
  unit.publish({
    topic: 'settlement.termination_lifted',
    aggregateId: terminationId,
    payload: { funderId: found.funderId, terminationId, liftedBy: input.liftedBy, reason: input.reason },
    at: lift.liftedAt,
  } satisfies TerminationLifted);
  return { ...found, status: 'lifted', ...lift };
}
