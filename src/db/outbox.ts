// Transactional outbox: events are inserted in the same transaction as the state change.
import type { Clock } from '../kernel/index.ts';
import type { Executor } from './client.ts';
import { outbox } from './infra-schema.ts';

export async function emit(
  tx: Executor,
  clock: Clock,
  topic: string,
  aggregateId: string,
  payload: Record<string, unknown>,
): Promise<void> {
  await tx.insert(outbox).values({ topic, aggregateId, payload, createdAt: clock.now() });
}
