// The demo's contacts and canary program, as the outside parties report them to the service: the
// relay provider posts each call to a relay point (`POST /v1/contact-events`, a `system` key), a
// canary reports every call that reached its dedicated phone (`POST /v1/canaries/:id/contacts`),
// and the canary program registers, budgets and places canaries (admin). Event and source ids carry
// the run, so a restart with the same seed never collides with an earlier run's reports.
import type { Clock } from '../kernel/index.ts';
import { bandOf } from '../routing/scorecard.ts';
import type { Api } from './api.ts';
import type { DemoPerson } from './people.ts';

/** The canary program's monthly budget in the demo (fen), and what one placement costs. */
const CANARY_BUDGET_FEN = 100_000_000;
const CANARY_PLACEMENT_FEN = 30_000;

export class ContactReports {
  /** relay phone each funder was given, by (funder, ID number): the only number it may call before booking */
  private readonly shown = new Map<string, string>();
  private eventNo = 0;

  constructor(
    private readonly relay: Api,
    private readonly canaryProgram: Api,
    private readonly runId: string,
    private readonly clock: Clock,
  ) {}

  /** What a funder's server received: the relay point in the application's payload. */
  noteShown(funderId: string, fields: Record<string, unknown>): void {
    const relay = fields.relayContact as { phone?: string } | null | undefined;
    if (typeof fields.idNumber === 'string' && relay?.phone)
      this.shown.set(`${funderId}\u0000${fields.idNumber}`, relay.phone);
  }

  /** A call through the relay point `funderId` was given for this person, as the provider reports it. */
  async relayCall(funderId: string, person: DemoPerson, category: string, summary: string): Promise<void> {
    const relayPoint = this.shown.get(`${funderId}\u0000${person.idNumber}`);
    if (!relayPoint) return;
    await this.relay.call('POST', '/v1/contact-events', {
      relayPoint,
      occurredAt: this.clock.now().toISOString(),
      channel: 'call',
      caller: `400${String(hashOf(funderId) % 10_000_000).padStart(7, '0')}`,
      summary,
      providerEventId: `demo-${this.runId}-relay-${++this.eventNo}`,
      category,
    });
  }

  /** A canary reports a call on its dedicated phone (the relay forwards there too). */
  async canaryReport(canaryId: string, person: DemoPerson, category: string, summary: string): Promise<void> {
    await this.canaryProgram.call('POST', `/v1/canaries/${canaryId}/contacts`, {
      sourceId: `demo-${this.runId}-canary-${++this.eventNo}`,
      channel: 'call',
      contactPoint: person.phone,
      occurredAt: this.clock.now().toISOString(),
      category,
      summary,
    });
  }
}

export class CanaryProgram {
  private readonly ids = new Map<number, string>();
  private readonly budgetMonths = new Set<string>();
  private lock: Promise<unknown> = Promise.resolve();
  placed = 0;

  constructor(
    private readonly admin: Api,
    private readonly seed: number,
    private readonly clock: Clock,
  ) {}

  idOf(person: DemoPerson): string | undefined {
    return this.ids.get(person.index);
  }

  /** Register the canary and place it with one funder (the planner's choice); null: placed nowhere. */
  place(person: DemoPerson, customerId: string): Promise<string | null> {
    // One at a time: a plan places every unplaced canary, so each plan must see only this one —
    // which also makes its funder the planner's seeded draw for this canary alone.
    const placed = this.lock.then(async () => {
      const registered = await this.admin.call('POST', '/v1/canaries', {
        customerId,
        band: bandOf(person.score),
        employerIsPlatformOrPartner: false,
        contactPoints: [{ channel: 'phone', address: person.phone }],
      });
      this.ids.set(person.index, registered.body.id);
      const month = chinaMonth(this.clock.now());
      if (!this.budgetMonths.has(month)) {
        await this.admin.call('PUT', `/v1/canaries/budgets/${month}`, {
          budgetFen: CANARY_BUDGET_FEN,
          costPerPlacementFen: CANARY_PLACEMENT_FEN,
        });
        this.budgetMonths.add(month);
      }
      const plan = await this.admin.call('POST', '/v1/canaries/plan', {
        month,
        seed: (this.seed ^ Math.imul(person.index + 1, 0x85ebca6b)) >>> 0,
      });
      const placement = (plan.body.placements as Array<{ canaryId: string; funderId: string }>).find(
        (p) => p.canaryId === registered.body.id,
      );
      if (placement) this.placed++;
      return placement?.funderId ?? null;
    });
    this.lock = placed.catch(() => {});
    return placed;
  }
}

/** The calendar month in China Standard Time (the canary budget's month, as the service keeps it). */
function chinaMonth(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().slice(0, 7);
}

export function hashOf(text: string): number {
  let h = 2166136261;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619);
  return h >>> 0;
}
