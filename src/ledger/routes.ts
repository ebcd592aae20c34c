// Ledger HTTP: checkpoint (C2SP signed note, text/plain), verifier key, proofs, entries and
// cosignatures, in exactly the shapes of issue 4 so independent tools can check them.
import { Type } from 'typebox';
import { principalOf } from '../http/auth.ts';
import type { App } from '../http/app.ts';
import { write } from '../http/idempotent.ts';
import { Closed, errorResponses, OneOf, Text, Token } from '../http/schemas.ts';
import { DomainError } from './errors.ts';
import { MAX_TREE_SIZE } from './merkle.ts';
import { ENTRY_KINDS } from './model.ts';

const Index = Type.Integer({ minimum: 0, maximum: MAX_TREE_SIZE });
const Base64Hash = Type.String({ maxLength: 44 });
/** Proofs and checkpoints reveal volume (the tree size), so they need a key; the public key does not. */
const READERS = ['admin', 'analyst', 'funder', 'system'] as const;
/**
 * An entry body exactly as committed (its canonical JSON is the leaf): every kind has `kind`, `at`
 * and `salt`; the rest are the kind's own fields (src/ledger/model.ts), with funder-facing kinds
 * naming the customer and application by pseudonymous refs and commitments instead of ids. Open,
 * because the body is whatever was hashed: a verifier must see every field, known or not.
 */
const EntryBody = Type.Object(
  {
    kind: OneOf(ENTRY_KINDS),
    at: Type.String({ format: 'date-time' }),
    /** base64 of 16 random bytes */
    salt: Type.String(),
  },
  { additionalProperties: true },
);

export async function ledgerRoutes(app: App): Promise<void> {
  const { ledger, database } = app.shoujia;
  const b64 = (b: Buffer) => b.toString('base64');

  app.get(
    '/v1/ledger/checkpoint',
    {
      config: { roles: READERS },
      schema: {
        tags: ['ledger'],
        summary: 'The latest signed checkpoint (C2SP signed note)',
        description: 'The latest C2SP signed checkpoint, with funders’ cosignatures.',
        response: { 200: Type.String(), ...errorResponses },
      },
    },
    async (_request, reply) => {
      reply.type('text/plain; charset=utf-8');
      return ledger.checkpoint(database.db);
    },
  );

  app.get(
    '/v1/ledger/public-key',
    {
      config: { roles: ['public'] },
      schema: {
        tags: ['ledger'],
        summary: "The ledger's verifier key",
        description:
          'The checkpoint verifier key, `<name>+<hex key id>+<base64(0x01 || Ed25519 public key)>`.',
        response: { 200: Type.String() },
      },
    },
    async (_request, reply) => {
      reply.type('text/plain; charset=utf-8');
      return `${ledger.verifierKey}\n`;
    },
  );

  app.get(
    '/v1/ledger/proofs/inclusion',
    {
      config: { roles: READERS },
      schema: {
        tags: ['ledger'],
        summary: 'Inclusion proof of an entry in a tree size',
        querystring: Type.Object({ index: Index, treeSize: Index }, { additionalProperties: false }),
        response: {
          200: Closed({
            index: Type.Integer(),
            treeSize: Type.Integer(),
            leafHash: Base64Hash,
            proof: Type.Array(Base64Hash, { maxItems: 128 }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const proof = await ledger.inclusionProof(database.db, request.query.index, request.query.treeSize);
      return {
        index: proof.index,
        treeSize: proof.treeSize,
        leafHash: b64(proof.leafHash),
        proof: proof.proof.map(b64),
      };
    },
  );

  app.get(
    '/v1/ledger/proofs/consistency',
    {
      config: { roles: READERS },
      schema: {
        tags: ['ledger'],
        summary: 'Consistency proof between two tree sizes',
        querystring: Type.Object({ from: Index, to: Index }, { additionalProperties: false }),
        response: {
          200: Closed({
            from: Type.Integer(),
            to: Type.Integer(),
            proof: Type.Array(Base64Hash, { maxItems: 128 }),
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const proof = await ledger.consistencyProof(database.db, request.query.from, request.query.to);
      return { from: proof.from, to: proof.to, proof: proof.proof.map(b64) };
    },
  );

  app.get(
    '/v1/ledger/entries/:index',
    {
      config: { roles: ['admin', 'analyst', 'funder'] },
      schema: {
        tags: ['ledger'],
        summary: 'An integrated ledger entry with its salt',
        description:
          'An integrated entry with its salt. A funder key sees only entries about that funder (others answer 404).',
        params: Type.Object({ index: Index }, { additionalProperties: false }),
        response: {
          200: Closed({
            index: Type.Integer(),
            leafHash: Base64Hash,
            entry: EntryBody,
          }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const found = await ledger.entry(database.db, request.params.index, principalOf(request));
      return { index: found.index, leafHash: b64(found.leafHash), entry: found.entry };
    },
  );

  app.post(
    '/v1/ledger/cosignatures',
    {
      config: { roles: ['funder'] },
      schema: {
        tags: ['ledger'],
        summary: "Submit a funder's cosignature of a checkpoint",
        description:
          'A funder’s C2SP tlog-cosignature (cosignature/v1, Ed25519) of the checkpoint of `treeSize`. Malformed or wrongly signed: 400, nothing stored.',
        body: Type.Object(
          {
            treeSize: Type.Integer({ minimum: 1, maximum: MAX_TREE_SIZE }),
            verifierKey: Token({ maxLength: 300 }),
            // a C2SP signature line, which ends in a newline; the service parses it exactly
            cosignature: Text({ maxLength: 400, trim: false, multiline: true }),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Closed({ treeSize: Type.Integer(), timestamp: Type.Integer() }),
          ...errorResponses,
        },
      },
    },
    (request, reply) =>
      write(request, reply, async (tx) => {
        const principal = principalOf(request);
        if (!principal.funderId) throw new DomainError('forbidden', 'only a funder key may cosign');
        return { status: 201, body: await ledger.addCosignature(tx, principal.funderId, request.body) };
      }),
  );
}
