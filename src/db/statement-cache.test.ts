// The grouped statement's text cache (statement-groups.ts, ADR 0069 performance addendum): a unit's
// text is taken from the cache by its shape and only its parameters are written. Two units whose
// texts differ must never share a cache entry, whatever they differ in; a unit of a known shape
// gets exactly the text and parameters it would get with no cache; and a cached statement writes
// the same rows on both engines.
import { customType, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, freshDatabase, type TestDatabase } from '../../test/support/engines.ts';
import { renderSql } from './render.ts';
import { clearCachedTexts, groupStatement, StatementGroups, type StatementPart } from './statement-groups.ts';
import { EventBus, groupedPart, jsonWith, type Ref, UnitOfWork } from './unit-of-work.ts';
import { Lookups } from './lookups.ts';

const bytea = customType<{ data: Buffer; driverData: Buffer }>({ dataType: () => 'bytea' });

const people = pgTable('cache_people', {
  id: text('id').primaryKey(),
  personKey: text('person_key').notNull().unique(),
  name: text('name').notNull(),
  visits: integer('visits').notNull(),
  seenAt: timestamp('seen_at', { withTimezone: true, mode: 'date' }).notNull(),
});
const notes = pgTable('cache_notes', {
  id: text('id').primaryKey(),
  personId: text('person_id'),
  body: jsonb('body'),
  hash: bytea('hash'),
  count: integer('count'),
});

const DDL = `
  CREATE TABLE cache_people (id text PRIMARY KEY, person_key text NOT NULL UNIQUE, name text NOT NULL,
    visits integer NOT NULL, seen_at timestamptz NOT NULL);
  CREATE TABLE cache_notes (id text PRIMARY KEY, person_id text, body jsonb, hash bytea, count integer);`;

const at = new Date('2026-12-04T08:00:00.000Z');
/** Hostile contents: Chinese, control characters, a lone surrogate, a huge number. Never text. */
const HOSTILE = ['张三\u0000\u001b[31m', '\ud800', 'O\'Brien"; DROP TABLE x; --', '$1::text'];
/** What PostgreSQL stores as given (no NUL, no lone surrogate): the engines' round trip, n ≥ 100. */
const STORABLE = ['张三\u001b[31m', 'O\'Brien"; DROP TABLE x; --', '$1::text', '𠀀😀'];
const nameOf = (n: number) => (n >= 100 ? STORABLE[n % STORABLE.length]! : HOSTILE[n % HOSTILE.length]!);

type Variant = (unit: UnitOfWork, n: number) => { answer: Ref[] };

/** A person upserted, its id and `created` read by a note: the common part of every variant. */
function person(unit: UnitOfWork, n: number) {
  return unit.upsert(
    people,
    { id: `p${n}`, personKey: `k${n}`, name: nameOf(n), visits: n, seenAt: at },
    { target: ['personKey'], update: ['name', 'seenAt'] },
  );
}

/**
 * Pairs of units alike but for one thing their text depends on. Each variant is a builder, so the
 * same shape can be built twice with other values.
 */
const VARIANTS: Record<string, Variant> = {
  base: (unit, n) => {
    const p = person(unit, n);
    unit.insert(notes, { id: `n${n}`, personId: p.col('id'), body: { n }, count: n });
    return { answer: [p.col('id')] };
  },
  // a value taken from another intent instead of given
  plainInsteadOfRef: (unit, n) => {
    const p = person(unit, n);
    unit.insert(notes, { id: `n${n}`, personId: `p${n}`, body: { n }, count: n });
    return { answer: [p.col('id')] };
  },
  // another column list (one column left out)
  fewerColumns: (unit, n) => {
    const p = person(unit, n);
    unit.insert(notes, { id: `n${n}`, personId: p.col('id'), body: { n } });
    return { answer: [p.col('id')] };
  },
  // the same columns in another order
  otherOrder: (unit, n) => {
    const p = person(unit, n);
    unit.insert(notes, { personId: p.col('id'), id: `n${n}`, body: { n }, count: n });
    return { answer: [p.col('id')] };
  },
  // JSON with a member from another intent
  jsonWithRef: (unit, n) => {
    const p = person(unit, n);
    unit.insert(notes, {
      id: `n${n}`,
      personId: p.col('id'),
      body: jsonWith({ n }, { who: p.col('id') }),
      count: n,
    });
    return { answer: [p.col('id')] };
  },
  // JSON with a member from another column of that intent
  jsonWithOtherRef: (unit, n) => {
    const p = person(unit, n);
    unit.insert(notes, {
      id: `n${n}`,
      personId: p.col('id'),
      body: jsonWith({ n }, { who: p.col('personKey') }),
      count: n,
    });
    return { answer: [p.col('id')] };
  },
  // bytes (decoded in the statement) where the base has none
  withBytes: (unit, n) => {
    const p = person(unit, n);
    unit.insert(notes, {
      id: `n${n}`,
      personId: p.col('id'),
      body: { n },
      hash: Buffer.from([n, 255]),
      count: n,
    });
    return { answer: [p.col('id')] };
  },
  // the same column null: a plain parameter
  withNullBytes: (unit, n) => {
    const p = person(unit, n);
    unit.insert(notes, { id: `n${n}`, personId: p.col('id'), body: { n }, hash: null, count: n });
    return { answer: [p.col('id')] };
  },
  // conditional on the upsert having created the person
  conditional: (unit, n) => {
    const p = person(unit, n);
    unit.insert(notes, { id: `n${n}`, personId: `p${n}`, body: { n }, count: n }, { when: p.created });
    return { answer: [p.col('id')] };
  },
  // another column returned (and answered)
  moreReturned: (unit, n) => {
    const p = person(unit, n);
    unit.insert(notes, { id: `n${n}`, personId: p.col('id'), body: { n }, count: n });
    return { answer: [p.col('id'), p.col('visits')] };
  },
  // a column read (so returned) that nothing uses
  readUnused: (unit, n) => {
    const p = person(unit, n);
    p.col('visits');
    unit.insert(notes, { id: `n${n}`, personId: p.col('id'), body: { n }, count: n });
    return { answer: [p.col('id')] };
  },
  // the same columns answered in another order
  answerOrder: (unit, n) => {
    const p = person(unit, n);
    const visits = p.col('visits');
    unit.insert(notes, { id: `n${n}`, personId: p.col('id'), body: { n }, count: n });
    return { answer: [visits, p.col('id')] };
  },
  // another conflict (update list)
  otherConflict: (unit, n) => {
    const p = unit.upsert(
      people,
      { id: `p${n}`, personKey: `k${n}`, name: nameOf(n), visits: n, seenAt: at },
      { target: ['personKey'], update: ['name'] },
    );
    unit.insert(notes, { id: `n${n}`, personId: p.col('id'), body: { n }, count: n });
    return { answer: [p.col('id')] };
  },
  // two notes: merged into one multi-row INSERT
  twoNotes: (unit, n) => {
    const p = person(unit, n);
    unit.insert(notes, { id: `n${n}`, personId: p.col('id'), body: { n }, count: n });
    unit.insert(notes, { id: `m${n}`, personId: p.col('id'), body: { n }, count: n });
    return { answer: [p.col('id')] };
  },
  // an event's outbox row and a notice
  withNotice: (unit, n) => {
    const p = person(unit, n);
    unit.insert(notes, { id: `n${n}`, personId: p.col('id'), body: { n }, count: n });
    unit.notify('cache_probe', nameOf(n));
    return { answer: [p.col('id')] };
  },
};

function part(variant: Variant, n: number): StatementPart {
  const unit = new UnitOfWork(new EventBus());
  const { answer } = variant(unit, n);
  return groupedPart(unit, answer);
}

/** The text and parameters with nothing cached (what the cache must reproduce). */
function uncached(parts: StatementPart[]) {
  clearCachedTexts();
  const rendered = renderSql(groupStatement(parts))!;
  clearCachedTexts();
  return rendered;
}

describe('the grouped statement text cache', () => {
  it('two different shapes never share a text: each gets its own, as if nothing were cached', () => {
    const names = Object.keys(VARIANTS);
    const fresh = new Map(names.map((name) => [name, uncached([part(VARIANTS[name]!, 1)])]));
    expect(new Set([...fresh.values()].map((r) => r.sql)).size).toBe(names.length);
    for (const first of names) {
      for (const second of names) {
        if (first === second) continue;
        clearCachedTexts();
        groupStatement([part(VARIANTS[first]!, 1)]); // cached
        const got = renderSql(groupStatement([part(VARIANTS[second]!, 1)]))!;
        expect(got, `${second} after ${first}`).toEqual(fresh.get(second));
      }
    }
  });

  it('a known shape gets the cached text and its own parameters, in the same order', () => {
    for (const [name, variant] of Object.entries(VARIANTS)) {
      const expected = uncached([part(variant, 2), part(variant, 3)]);
      groupStatement([part(variant, 4), part(variant, 5)]); // fills the cache
      const cached = renderSql(groupStatement([part(variant, 2), part(variant, 3)]))!;
      expect(cached, name).toEqual(expected);
      // the same text object: the prepared statement's name is found without comparing it afresh
      expect(cached.sql).toBe(renderSql(groupStatement([part(variant, 6), part(variant, 7)]))!.sql);
    }
  });

  it('groups are keyed by their parts in order, so a mix never takes another mix’s text', () => {
    const a = VARIANTS.base!;
    const b = VARIANTS.withBytes!;
    const ab = uncached([part(a, 1), part(b, 2)]);
    const ba = uncached([part(b, 1), part(a, 2)]);
    expect(ab.sql).not.toBe(ba.sql);
    groupStatement([part(a, 3), part(b, 4)]);
    expect(renderSql(groupStatement([part(b, 1), part(a, 2)]))).toEqual(ba);
    expect(renderSql(groupStatement([part(a, 1), part(b, 2)]))).toEqual(ab);
  });

  it('lookups are keyed by table, column and conditions, nested or given', () => {
    const byKey = () => {
      const lookups = new Lookups();
      lookups.scalar(people, 'id', { personKey: 'k' });
      return lookups.part();
    };
    const byName = () => {
      const lookups = new Lookups();
      lookups.scalar(people, 'id', { name: 'k' });
      return lookups.part();
    };
    const nested = () => {
      const lookups = new Lookups();
      const id = lookups.scalar(people, 'id', { personKey: 'k' });
      lookups.scalar(notes, 'id', { personId: id });
      return lookups.part();
    };
    const given = () => {
      const lookups = new Lookups();
      lookups.scalar(people, 'id', { personKey: 'k' });
      lookups.scalar(notes, 'id', { personId: 'p' });
      return lookups.part();
    };
    const builders = [byKey, byName, nested, given];
    const fresh = builders.map((build) => uncached([build()]));
    expect(new Set(fresh.map((r) => r.sql)).size).toBe(builders.length);
    builders.forEach((first) => {
      builders.forEach((second, j) => {
        clearCachedTexts();
        groupStatement([first()]);
        expect(renderSql(groupStatement([second()]))).toEqual(fresh[j]);
      });
    });
  });
});

describe.each(ENGINES)('cached grouped statements on %s', (engine) => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await freshDatabase(engine);
    await database.script(DDL);
  });
  afterAll(async () => database?.close());

  it('write the same rows as a first statement of their shape', async () => {
    clearCachedTexts();
    const groups = new StatementGroups<{ batch_index: number } & Record<string, unknown>>(database.run, {
      maxInFlight: 1,
    });
    // the first of each shape renders its text; the rest take it from the cache
    const answers = await Promise.all(
      Array.from({ length: 24 }, (_, i) => groups.run(part(VARIANTS.jsonWithRef!, 100 + i))),
    );
    expect(answers.map((row) => row.a0)).toEqual(Array.from({ length: 24 }, (_, i) => `p${100 + i}`));
    const rows = await database.query<{ id: string; person_id: string; body: unknown; count: number }>(
      "SELECT id, person_id, body, count FROM cache_notes WHERE id LIKE 'n1%' ORDER BY id",
    );
    expect(rows).toEqual(
      Array.from({ length: 24 }, (_, i) => ({
        id: `n${100 + i}`,
        person_id: `p${100 + i}`,
        body: { n: 100 + i, who: `p${100 + i}` },
        count: 100 + i,
      })),
    );
    const names = await database.query<{ name: string }>(
      "SELECT name FROM cache_people WHERE id LIKE 'p1%' ORDER BY id",
    );
    expect(names.map((r) => r.name)).toEqual(Array.from({ length: 24 }, (_, i) => nameOf(100 + i)));
  });
});
