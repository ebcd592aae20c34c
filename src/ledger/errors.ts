// The ledger's error codes (STYLE §2): proofs, entries and cosignatures. The HTTP catalog
// (src/http/error-catalog.ts) lists them with every other module's.
import { type CommonErrorCode, type ErrorSpecs, typedErrors } from '../kernel/index.ts';

export const ledgerErrors = {
  ledger_index_out_of_range: {
    status: 400,
    meaning: 'The leaf index is negative, not an integer, or not below the tree size.',
  },
  ledger_size_out_of_range: {
    status: 400,
    meaning: 'The tree size is not an integer between the minimum and the current tree size.',
  },
  ledger_from_after_to: { status: 400, meaning: 'A consistency proof needs from <= to.' },
  ledger_entry_not_found: {
    status: 404,
    meaning: 'No integrated ledger entry at this index visible to this key.',
  },
  ledger_checkpoint_not_found: {
    status: 400,
    meaning: 'The log never published a checkpoint of this tree size.',
  },
  ledger_cosignature_invalid: {
    status: 400,
    meaning:
      'The cosignature or verifier key is malformed or the signature does not verify; nothing was stored.',
  },
  ledger_cosigner_key_mismatch: { status: 400, meaning: 'This funder already cosigns with a different key.' },
} as const satisfies ErrorSpecs;

export type LedgerErrorCode = keyof typeof ledgerErrors;

/** What ledger may throw: its own codes and the shared ones. */
export type LedgerThrownCode = LedgerErrorCode | CommonErrorCode;

export const { DomainError, unwrap } = typedErrors<LedgerThrownCode>();
