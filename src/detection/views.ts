// How detection's records are shown (ADR 0076): evidence as the funder it is about reads it, and
// the page cursors the list routes hand out. Pure.
import type { Pseudonymiser } from '../sharing/pseudonym.ts';
import { DomainError } from './errors.ts';
import type { Evidence } from './model.ts';

/**
 * Evidence as the funder it is about reads it: customers and applications by the funder's own
 * pseudonyms (never the platform's ids, which would link customers across funders), and nothing
 * that tells which contact points are staff (a poacher would learn whom to skip).
 */
export function asFunderSees(
  evidence: Evidence,
  refs: Pick<Pseudonymiser, 'customerRef' | 'applicationRef'>,
): Evidence {
  const funderId = evidence.funderId;
  if (funderId === null) return evidence;
  const { staffContactId: _id, owner: _owner, label: _label, applicationId, ...detail } = evidence.detail;
  return {
    ...evidence,
    customerId: evidence.customerId === null ? null : refs.customerRef(funderId, evidence.customerId),
    detail: {
      ...detail,
      ...(typeof applicationId === 'string'
        ? { applicationId: refs.applicationRef(funderId, applicationId) }
        : applicationId === undefined
          ? {}
          : { applicationId }),
    },
  };
}

/** `<ms>.<id>` as handed out in `next`; anything else is refused with a code. */
export function decodeCursor(cursor: string | undefined): { at: Date; funderId: string } | undefined {
  if (cursor === undefined) return undefined;
  const match = /^(\d{1,15})\.([A-Za-z0-9_-]{1,64})$/.exec(cursor);
  const at = match ? new Date(Number(match[1])) : undefined;
  if (!match || !at || Number.isNaN(at.getTime()) || at.getTime() > 8.64e15)
    throw new DomainError('detection_alert_cursor_invalid', 'not a cursor this API handed out', 'before');
  return { at, funderId: match[2]! };
}
