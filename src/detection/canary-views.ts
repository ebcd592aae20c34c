// How a canary contact and a contact point are shown to staff: the stored row as the API's view, and
// a contact point masked (the registry never shows an address in the clear after registration).
import { maskPhone } from '../identity/phone.ts';
import type { CanaryContactChannel, CanaryContactView } from './canary-model.ts';
import type * as store from './store.ts';

export function contactView(row: store.CanaryContactRow): CanaryContactView {
  return {
    id: row.id,
    canaryId: row.canaryId,
    sourceId: row.sourceId,
    channel: row.channel,
    category: row.category,
    occurredAt: row.occurredAt,
    receivedAt: row.receivedAt,
    summary: row.summary,
    attributed: row.attributed,
    funderId: row.funderId,
    reason: row.reason,
    exposureEntryId: row.exposureEntryId,
    exposedCount: row.exposedCount,
    purpose:
      row.purposeVerdict === null ? null : { verdict: row.purposeVerdict, reason: row.purposeReason ?? '' },
  };
}

export function mask(channel: CanaryContactChannel, address: string): string {
  if (channel === 'phone') return maskPhone(address);
  const [local, domain] = address.split('@');
  return `${local!.slice(0, 1)}***@${domain}`;
}
