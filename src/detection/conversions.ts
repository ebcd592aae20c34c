// A declared conversion explains what follows it (issue 16 item 3, ADR 0092): once a funder has
// declared it converts a platform customer (and accepted the contract's fee, settlement's), later
// evidence about that customer and that funder is `explained`, never attributed, so a declared
// conversion is never confirmed nor penalised. Evidence that happened before the declaration stands.
import type { Executor } from '../db/client.ts';
import type { EvidenceRow } from './store.ts';

/** The funders that declared converting a customer, and when (settlement's, read through services.ts). */
export type DeclaredConversions = (
  tx: Executor,
  customerId: string,
) => Promise<ReadonlyArray<{ conversionId: string; funderId: string; declaredAt: Date }>>;

/** The row as it is to be stored: attributed evidence after a declaration becomes explained. */
export async function explainDeclared(
  declared: DeclaredConversions | undefined,
  tx: Executor,
  row: EvidenceRow,
): Promise<EvidenceRow> {
  if (!declared || row.status !== 'attributed' || row.funderId === null || row.customerId === null)
    return row;
  const conversion = (await declared(tx, row.customerId)).find(
    (c) => c.funderId === row.funderId && c.declaredAt.getTime() <= row.occurredAt.getTime(),
  );
  if (!conversion) return row;
  return {
    ...row,
    status: 'explained',
    proves: `${row.proves} — explained: ${row.funderId} declared converting this customer (${conversion.conversionId}) before it`,
    detail: { ...row.detail, explainedBy: conversion.conversionId },
  };
}
