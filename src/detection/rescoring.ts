// The rescoring step (issue 14 items 5 and 7): production's stored evidence through the same
// FusionEngine and decideLevel rule the simulator's `shoujia` detector runs, and every level the
// rule raises set through DetectionService.setLevel (so routing's trust follows in the same unit).
//
// What production feeds the engine (ADR 0075, "Production"): the attributed and explained evidence
// of the last RESCORE_WINDOW_DAYS, each funder's exposures and bookings over the same window (the
// rates' denominators) and its relay contacts judged in purpose (the classifier-error test's
// denominator). The cohort CUSUM charts are off here: production does not yet keep the daily
// per-funder cohort counts they need (the simulator runs them); statistics could only reach
// `suspect` anyway. Rescoring only raises a level: lowering one is an analyst's act with reasons.
import type { CatalogService } from '../catalog/service.ts';
import type { TransactionUnit } from '../db/unit-of-work.ts';
import type { BookingService } from '../intake/booking.ts';
import { MS_PER_DAY } from '../kernel/index.ts';
import type { SharingService } from '../sharing/service.ts';
import { chinaDayOf } from './days.ts';
import {
  DEFAULT_COHORT_CONFIG,
  type EvidenceItem,
  type EvidenceItemKind,
  FusionEngine,
  type FunderStatus,
  type Reason,
  type ReasonCode,
} from './fusion.ts';
import {
  type DetectionLevel,
  type EvidenceKind,
  LEVEL_REASON_EVIDENCE_MAX,
  LEVEL_REASON_TEXT_MAX,
  LEVEL_REASONS_MAX,
  type LevelReason,
} from './model.ts';
import * as store from './store.ts';

/** How far back rescoring reads evidence, exposures and bookings. */
export const RESCORE_WINDOW_DAYS = 365;
/** Most evidence rows one rescoring reads (newest first); beyond it the oldest are left out and the result says so. */
export const RESCORE_EVIDENCE_MAX = 200_000;
/** Funders read a page at a time. */
const FUNDER_PAGE = 500;
/** The actor rescoring writes level changes as. */
export const RESCORING_ACTOR = 'rescoring:fusion';

const ITEM_KIND: Record<EvidenceKind, EvidenceItemKind> = {
  'canary-contact': 'canaryContact',
  'credit-report-account': 'creditReportAccount',
  'credit-report-query': 'creditReportQuery',
  'relay-contact': 'relayContact',
  'borrower-report': 'borrowerReport',
  'staff-contact': 'staffContact',
};

/** The evidence kinds each reason rests on (the ids a level change cites). */
const REASON_KINDS: Record<ReasonCode, readonly EvidenceItemKind[]> = {
  'attributable-canary-contact': ['canaryContact'],
  'shared-canary-contacts': ['canaryContact'],
  'credit-accounts-excess': ['creditReportAccount'],
  'relay-out-of-purpose-excess': ['relayContact'],
  'shared-canary-and-direct-excess': ['canaryContact', 'creditReportAccount', 'relayContact'],
  'borrower-reports-excess': ['borrowerReport'],
  'credit-queries-excess': ['creditReportQuery'],
  'staff-contacts': ['staffContact'],
  'cohort-cusum-signal': [],
};

const RANK: Record<DetectionLevel, number> = { none: 0, watch: 1, suspect: 2, confirmed: 3 };

export interface RescoringDeps {
  catalog: Pick<CatalogService, 'listFunders'>;
  sharing: Pick<SharingService, 'funderActivity'>;
  booking: Pick<BookingService, 'bookedCounts'>;
}

export interface RescoreResult {
  funders: number;
  evidenceRead: number;
  /** evidence rows left out because the window held more than RESCORE_EVIDENCE_MAX */
  evidenceLeftOut: boolean;
  /** what the rule said for each funder it moved, and whether setLevel changed the stored level */
  raised: Array<{ funderId: string; from: DetectionLevel; to: DetectionLevel }>;
}

export type SetLevel = (
  unit: TransactionUnit,
  funderId: string,
  level: DetectionLevel,
  reasons: readonly LevelReason[],
  actor: string,
) => Promise<{ changed: boolean }>;

/** Score every funder from the stored evidence and raise the levels the rule raises. */
export async function rescore(
  deps: RescoringDeps,
  setLevel: SetLevel,
  unit: TransactionUnit,
  now: Date,
): Promise<RescoreResult> {
  const tx = unit.tx;
  const since = new Date(now.getTime() - RESCORE_WINDOW_DAYS * MS_PER_DAY);
  const funders = [];
  for (let after: string | undefined; ; ) {
    const page = await deps.catalog.listFunders(tx, { limit: FUNDER_PAGE, ...(after ? { after } : {}) });
    funders.push(...page);
    if (page.length < FUNDER_PAGE) break;
    after = page[page.length - 1]!.id;
  }
  const engine = new FusionEngine(
    funders.map((f) => ({ id: f.id, type: f.type })),
    { cohort: { ...DEFAULT_COHORT_CONFIG, metrics: [] } },
  );
  const rows = await store.evidenceSince(tx, since, RESCORE_EVIDENCE_MAX + 1);
  const evidenceLeftOut = rows.length > RESCORE_EVIDENCE_MAX;
  if (evidenceLeftOut) rows.length = RESCORE_EVIDENCE_MAX;
  for (const row of rows) {
    if (row.funderId === null || row.status === 'unattributed') continue;
    const day = chinaDayOf(row.occurredAt);
    const item: EvidenceItem = {
      kind: ITEM_KIND[row.kind],
      funderId: row.funderId,
      day,
      customer: row.customerId ?? row.id,
      source: row.id,
      explained: row.status === 'explained',
    };
    if (row.kind === 'relay-contact') item.outOfPurpose = true;
    if (row.kind === 'canary-contact') {
      // stored only when the share register names this one funder (CanaryService.reportContact)
      item.outOfPurpose = true;
      item.attributable = row.detail.attributable === true;
    }
    if (row.exposureEntryId !== null) item.exposureDay = day;
    engine.observe(item);
  }
  const activity = await deps.sharing.funderActivity(tx, since);
  const booked = await deps.booking.bookedCounts(tx, since);
  const today = chinaDayOf(now);
  for (const [funderId, n] of activity.inPurposeContacts) engine.observeInPurposeRelay(funderId, n);
  engine.observeCohorts(
    today,
    funders.map((f) => ({
      dispatched: activity.shares.get(f.id) ?? 0,
      approved: 0,
      booked: booked.get(f.id) ?? 0,
      abandonedAfterApproval: 0,
      paidOff: 0,
      returned: 0,
    })),
  );
  engine.endDay(today);

  const raised: RescoreResult['raised'] = [];
  for (const funder of funders) {
    const status = engine.status(funder.id)!;
    const from = (await store.levelOf(tx, funder.id))?.level ?? 'none';
    if (RANK[status.level] <= RANK[from]) continue;
    const reasons = levelReasons(status);
    const { changed } = await setLevel(unit, funder.id, status.level, reasons, RESCORING_ACTOR);
    if (changed) raised.push({ funderId: funder.id, from, to: status.level });
  }
  return { funders: funders.length, evidenceRead: rows.length, evidenceLeftOut, raised };
}

/** The rule's reasons as a level change records them, each citing the evidence it rests on. */
export function levelReasons(status: FunderStatus): LevelReason[] {
  return status.reasons.slice(0, LEVEL_REASONS_MAX).map((reason: Reason) => {
    const kinds = REASON_KINDS[reason.code];
    const cited = status.evidence
      .filter(
        (item) =>
          kinds.includes(item.kind) &&
          (reason.code !== 'attributable-canary-contact' || item.attributable === true),
      )
      .slice(-LEVEL_REASON_EVIDENCE_MAX)
      .map((item) => item.source);
    return {
      rule: `fusion:${reason.code}`,
      text: reason.text.slice(0, LEVEL_REASON_TEXT_MAX),
      evidenceIds: [...new Set(cited)],
    };
  });
}
