// The canary registry's types and limits (ADR 0077), shared by canary-service.ts and its routes.
import { DEFAULT_BANDS } from '../routing/scorecard.ts';
import type { UnplacedReason } from './canaries.ts';

export const CANARY_STATUSES = ['recruited', 'active', 'retired'] as const;
export type CanaryStatus = (typeof CANARY_STATUSES)[number];
export const CANARY_CONTACT_CHANNELS = ['phone', 'email'] as const;
export type CanaryContactChannel = (typeof CANARY_CONTACT_CHANNELS)[number];
/** A person has a phone or two and an address; more is not one person's dedicated set. */
export const CANARY_CONTACT_POINTS_MAX = 4;
export const CANARY_LIST_LIMIT_MAX = 500;
/** Canaries and funders one plan considers: the registry is hundreds, the funders tens. */
export const CANARY_PLAN_CANARIES_MAX = 5_000;
export const CANARY_PLAN_FUNDERS_MAX = 500;
/** The bands a poacher takes, by default: the top two of routing's bands. */
export const DEFAULT_GOOD_BANDS: readonly string[] = DEFAULT_BANDS.slice(0, 2).map((b) => b.band);
export const CANARY_BANDS: readonly string[] = DEFAULT_BANDS.map((b) => b.band);
export const CANARY_CONTACT_CATEGORIES = [
  'verification',
  'servicing',
  'collection',
  'marketing',
  'other',
] as const;
/** A reporter's clock may run this far ahead of ours; a contact later than that has not happened. */
export const CONTACT_CLOCK_SKEW_MS = 5 * 60_000;

export interface CanaryContactPointView {
  id: string;
  channel: CanaryContactChannel;
  /** masked (138****5678, a***@example.com): the registry never shows the full address */
  masked: string;
}

export interface CanaryView {
  id: string;
  customerId: string;
  status: CanaryStatus;
  band: string;
  regionCode: string;
  employerIsPlatformOrPartner: boolean;
  dedicatedFunderId: string | null;
  contactPoints: CanaryContactPointView[];
  createdAt: Date;
  updatedAt: Date;
}

export interface RegisterCanaryInput {
  customerId: string;
  band: string;
  employerIsPlatformOrPartner: boolean;
  contactPoints: ReadonlyArray<{ channel: CanaryContactChannel; address: string }>;
}

export interface PlanInput {
  month: string;
  dryRun: boolean;
  seed?: number | undefined;
  goodBands?: readonly string[] | undefined;
  /** detection's view of each funder; a funder not listed gets flowWeight 1, suspicion 0 */
  funders?:
    | ReadonlyArray<{ funderId: string; flowWeight?: number | undefined; suspicion?: number | undefined }>
    | undefined;
}

export interface PlanView {
  month: string;
  dryRun: boolean;
  seed: number;
  budgetFen: number;
  spentBeforeFen: number;
  plannedFen: number;
  remainingFen: number;
  placements: Array<{ id: string | null; canaryId: string; funderId: string; costFen: number }>;
  unplaced: Array<{ canaryId: string; reason: UnplacedReason }>;
}

export interface ContactReport {
  sourceId: string;
  channel: 'call' | 'sms' | 'email';
  contactPoint: string;
  occurredAt: Date;
  category: (typeof CANARY_CONTACT_CATEGORIES)[number];
  summary: string;
}

export interface CanaryContactView {
  id: string;
  canaryId: string;
  sourceId: string;
  channel: string;
  category: string;
  occurredAt: Date;
  receivedAt: Date;
  summary: string;
  attributed: boolean;
  funderId: string | null;
  reason: string | null;
  exposureEntryId: string | null;
  exposedCount: number;
  /**
   * For an attributed contact: in or out of the purpose the canary's application was shared for
   * (sharing's classifyContact). Only `out-of-purpose` is evidence against the funder.
   */
  purpose: { verdict: string; reason: string } | null;
}
