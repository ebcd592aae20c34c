// Ledger entry kinds: what the custody ledger records about origination, consent, exposure and the
// funder's response. Bodies stay private; only their salted hashes (RFC 9162 leaves) enter the tree.

/** A JSON value that canonicalises (RFC 8785) without surprises: no undefined, no non-finite numbers. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export const ENTRY_KINDS = [
  'origination',
  'consent-granted',
  'consent-withdrawn',
  'exposure',
  'decision',
  'booking',
  'conversion',
  'statement',
  'repayment',
] as const;
export type EntryKind = (typeof ENTRY_KINDS)[number];

/** Optional free-form context every kind may carry (hashed with the entry). Keep it small. */
interface EntryExtras {
  details?: { [key: string]: JsonValue };
}

/** The platform saw this customer for the first time (客户归属: proves who originated the customer and when). */
export interface OriginationEntry extends EntryExtras {
  kind: 'origination';
  customerId: string;
  applicationId: string;
  channel: string;
}

/** The borrower consented to sharing with one funder (PIPL art. 23 separate consent). */
export interface ConsentGrantedEntry extends EntryExtras {
  kind: 'consent-granted';
  customerId: string;
  funderId: string;
  consentId: string;
  purpose: string;
  dataCategories: string[];
  /** SHA-256 of the exact consent text version the borrower saw */
  textVersionHash: string;
}

export interface ConsentWithdrawnEntry extends EntryExtras {
  kind: 'consent-withdrawn';
  customerId: string;
  funderId: string;
  /** how many live consents the withdrawal closed */
  withdrawnCount: number;
}

/** What the platform showed a funder: which fields, at which stage, under which consent. */
export interface ExposureEntry extends EntryExtras {
  kind: 'exposure';
  funderId: string;
  customerId: string;
  /** e.g. 'prescreen', 'application', 'drawdown' */
  stage: string;
  /** names of the fields shared (never their values) */
  fields: string[];
  /** hex SHA-256 of the canonical payload that left for the funder */
  payloadHash: string;
  /** the consent the share relied on; null only for stages that need none (e.g. OPRF pre-screen) */
  consentId: string | null;
  applicationId?: string;
}

export interface DecisionEntry extends EntryExtras {
  kind: 'decision';
  funderId: string;
  applicationId: string;
  /** e.g. 'approved', 'declined', 'timeout' */
  decision: string;
  customerId?: string;
}

export interface BookingEntry extends EntryExtras {
  kind: 'booking';
  funderId: string;
  applicationId: string;
  customerId: string;
  amountFen: number;
  loanId?: string;
}

/** A funder declared (and pays for) converting a platform customer to its direct business. */
export interface ConversionEntry extends EntryExtras {
  kind: 'conversion';
  funderId: string;
  customerId: string;
  conversionId: string;
  feeFen?: number;
}

export interface StatementEntry extends EntryExtras {
  kind: 'statement';
  funderId: string;
  statementId: string;
  /** e.g. '2026-03' */
  period: string;
  /** hex SHA-256 of the canonical statement document */
  statementHash: string;
  totalFen?: number;
}

/** The booking funder reported a repayment event of a loan booked through the platform (ADR 0080). */
export interface RepaymentEntry extends EntryExtras {
  kind: 'repayment';
  funderId: string;
  customerId: string;
  loanId: string;
  repaymentId: string;
  /** installment | partial | early-payoff | write-off */
  repaymentKind: string;
  /** null for an early payoff */
  installmentNo: number | null;
  amountFen: number;
  /** when it happened, by the funder's word (ISO 8601 UTC); `at` is when the platform recorded it */
  paidAt: string;
}

/** What callers pass to `services.ledger.append`. `at` defaults to the service clock. */
export type LedgerEntryInput = (
  | OriginationEntry
  | ConsentGrantedEntry
  | ConsentWithdrawnEntry
  | ExposureEntry
  | DecisionEntry
  | BookingEntry
  | ConversionEntry
  | StatementEntry
  | RepaymentEntry
) & { at?: Date };

/**
 * The committed entry body: the input plus when it was recorded (ISO 8601 UTC) and a random salt
 * (base64, 16 bytes) so that a leaf hash reveals nothing about a low-entropy body.
 * leafHash = SHA-256(0x00 || RFC 8785 canonical JSON of this object).
 */
export type LedgerEntry = Omit<LedgerEntryInput, 'at'> & { at: string; salt: string };

export interface AppendResult {
  entryId: string;
}

/** A stored entry once integrated into the tree. */
export interface IntegratedEntry {
  index: number;
  entryId: string;
  leafHash: Buffer;
  entry: LedgerEntry;
}

export interface InclusionProof {
  index: number;
  treeSize: number;
  leafHash: Buffer;
  proof: Buffer[];
}

export interface ConsistencyProof {
  from: number;
  to: number;
  proof: Buffer[];
}

export interface TreeHead {
  treeSize: number;
  rootHash: Buffer;
}
