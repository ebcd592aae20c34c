// Signed funder requests (decisions, repayments) are checked by an HMAC over the exact bytes sent,
// so their routes parse JSON themselves and keep the text: one parser for every such route.
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** In `child` (a registered scope), JSON bodies are parsed as usual and their text kept for rawBodyOf. */
export function keepRawJsonBody(child: FastifyInstance): void {
  child.removeContentTypeParser('application/json');
  child.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    (request as unknown as { rawBody: string }).rawBody = body as string;
    try {
      done(null, JSON.parse(body as string));
    } catch (error) {
      done(error as Error, undefined);
    }
  });
}

/** The text of a body parsed in a keepRawJsonBody scope. */
export function rawBodyOf(request: FastifyRequest): string {
  return (request as unknown as { rawBody: string }).rawBody;
}
