// Route helper for writes: reads Idempotency-Key, runs the work in one unit of work (a transaction,
// ADR 0069) with the idempotency record, and replays the first answer for a repeat (STYLE §3).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Tx } from '../db/client.ts';
import type { TransactionUnit } from '../db/unit-of-work.ts';
import { checkIdempotencyKey, requestHash, withIdempotency } from '../db/idempotency.ts';
import { principalOf } from './auth.ts';

export async function idempotentWrite<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  work: (tx: Tx, unit: TransactionUnit) => Promise<{ status: number; body: T }>,
): Promise<T> {
  const services = request.server.shoujia;
  const key = checkIdempotencyKey(request.headers['idempotency-key']);
  const hash = requestHash(request.method, request.routeOptions.url ?? request.url, {
    params: request.params,
    body: request.body,
  });
  const result = await withIdempotency(
    services.units,
    services.clock,
    principalOf(request).keyId,
    key,
    hash,
    work,
  );
  if (result.replayed) reply.header('Idempotent-Replayed', 'true');
  reply.status(result.status);
  return result.body;
}

/** Writes where a key is optional: with one, idempotent; without, a plain transaction. */
export async function write<T>(
  request: FastifyRequest,
  reply: FastifyReply,
  work: (tx: Tx, unit: TransactionUnit) => Promise<{ status: number; body: T }>,
): Promise<T> {
  if (request.headers['idempotency-key'] !== undefined) return idempotentWrite(request, reply, work);
  const result = await request.server.shoujia.units.run((unit) => work(unit.tx, unit));
  reply.status(result.status);
  return result.body;
}
