// The simulator's `shoujia` detector: production's scoring and fusion core (src/detection/fusion.ts)
// run on the simulator's evidence stream. Translation only — DayEvidence into the core's evidence
// items and cohort counts, its levels and scores back as FunderAssessments; no scoring here.
import { dayOfIsoDate } from '../detection/days.ts';
import { type EvidenceItem, FusionEngine, type FusionConfig } from '../detection/fusion.ts';
import { assert } from '../kernel/index.ts';
import type { DayEvidence, Detector, FunderAssessment, PublicFunder } from './model.ts';

/** A canary seen by more than one funder (the exposure register is per customer). */
const SEEN_BY_SEVERAL = -2;

export class ShoujiaSimDetector implements Detector {
  readonly name = 'shoujia';
  private engine: FusionEngine | null = null;
  private funders: readonly PublicFunder[] = [];
  private indexById = new Map<string, number>();
  private startDay = 0;
  /** canary → the one funder index that saw it, or SEEN_BY_SEVERAL; absent: not yet exposed */
  private canarySeenBy = new Map<number, number>();
  /** canary → the first day each funder saw it, as funderIndex → day */
  private canaryExposureDays = new Map<number, Map<number, number>>();
  private canaries = new Set<number>();

  constructor(private readonly config: Partial<FusionConfig> = {}) {}

  /** The engine, for reading statuses (reasons, evidence lists, level changes) after a run. */
  get core(): FusionEngine {
    assert(this.engine, 'detector not started');
    return this.engine;
  }

  start(context: Parameters<Detector['start']>[0]): void {
    this.funders = context.funders;
    this.indexById = new Map(context.funders.map((f, i) => [f.id, i]));
    this.engine = new FusionEngine(
      context.funders.map((f) => ({ id: f.id, type: f.type })),
      this.config,
    );
    const start = dayOfIsoDate(context.startDate);
    assert(start !== undefined, `bad start date ${context.startDate}`);
    this.startDay = start;
    this.canaries = new Set(context.canaries);
    this.canarySeenBy.clear();
    this.canaryExposureDays.clear();
  }

  observeDay(evidence: DayEvidence): readonly FunderAssessment[] {
    const engine = this.core;
    const day = this.startDay + evidence.day;
    // exposures first: a canary shared today and contacted today was seen before the contact
    for (const e of evidence.canaryExposures) {
      const f = this.indexById.get(e.funderId);
      if (f === undefined) continue;
      const seen = this.canarySeenBy.get(e.customer);
      if (seen === undefined) this.canarySeenBy.set(e.customer, f);
      else if (seen !== f) this.canarySeenBy.set(e.customer, SEEN_BY_SEVERAL);
      let days = this.canaryExposureDays.get(e.customer);
      if (!days) {
        days = new Map();
        this.canaryExposureDays.set(e.customer, days);
      }
      if (!days.has(f)) days.set(f, day);
    }
    this.translate(evidence, (item) => engine.observe(item));
    engine.observeCohorts(day, evidence.cohorts);
    engine.endDay(day);
    const out: FunderAssessment[] = new Array(this.funders.length);
    for (let f = 0; f < this.funders.length; f++)
      out[f] = { funderId: this.funders[f]!.id, score: engine.score(f), level: engine.level(f) };
    return out;
  }

  /**
   * The day's evidence as the core's items, in a fixed order (relay, canary, staff, credit report,
   * borrower report); call after the day's canary exposures are registered (observeDay does).
   */
  translate(evidence: DayEvidence, emit: (item: EvidenceItem) => void): void {
    const day = this.startDay + evidence.day;
    for (const r of evidence.relayContacts)
      emit({
        kind: 'relayContact',
        funderId: r.funderId,
        day,
        customer: String(r.customer),
        source: r.medium === 'sms' ? 'relay-sms' : 'relay-voice',
        outOfPurpose: r.verdict === 'out-of-purpose',
      });
    for (const c of evidence.canaryContacts) {
      const f = this.indexById.get(c.funderId);
      const exposureDay = f === undefined ? undefined : this.canaryExposureDays.get(c.customer)?.get(f);
      const item: EvidenceItem = {
        kind: 'canaryContact',
        funderId: c.funderId,
        day,
        customer: String(c.customer),
        source: c.channel === 'relay' ? 'canary-relay-point' : 'canary-real-number',
        // a canary reports the offers it receives: the simulator records only direct-product offers there
        outOfPurpose: true,
        attributable: f !== undefined && this.canarySeenBy.get(c.customer) === f,
        ...(exposureDay === undefined ? {} : { exposureDay }),
      };
      emit(item);
    }
    for (const s of evidence.staffContacts)
      emit({
        kind: 'staffContact',
        funderId: s.funderId,
        day,
        customer: String(s.customer),
        source: 'staff-report',
      });
    for (const finding of evidence.creditReportFindings)
      emit({
        kind: finding.kind,
        funderId: finding.funderId,
        day: this.startDay + finding.onDay,
        customer: String(finding.customer),
        source: 'credit-report',
        exposureDay: this.startDay + finding.exposureDay,
      });
    for (const b of evidence.borrowerReports)
      emit({
        kind: 'borrowerReport',
        funderId: b.funderId,
        day,
        customer: String(b.customer),
        source: `borrower-report-${b.stage}`,
      });
  }

  /** Whether a customer number is one of the platform's canaries (for tests and the benchmark). */
  isCanary(customer: number): boolean {
    return this.canaries.has(customer);
  }
}
