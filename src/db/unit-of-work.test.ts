// The unit of work on both engines: the two committers write the same rows from the same intents;
// a conditional intent follows its upsert's `created`; Refs and JSON with Refs carry the values a
// statement found; events reach their subscribers in the same unit; hooks run only after commit;
// a failing intent leaves nothing of its unit (ADR 0069).
import { eq } from 'drizzle-orm';
import { bigserial, boolean, integer, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ENGINES, freshDatabase, type TestDatabase } from '../../test/support/engines.ts';
import { Lookups } from './lookups.ts';
import { runPart, StatementGroups } from './statement-groups.ts';
import {
  commitInTransaction,
  type DomainEvent,
  EventBus,
  groupedAnswer,
  groupedPart,
  jsonWith,
  type Ref,
  runAfterCommit,
  type TransactionUnit,
  type UnitOfWork,
  Units,
} from './unit-of-work.ts';

const people = pgTable('uow_people', {
  id: text('id').primaryKey(),
  personKey: text('person_key').notNull().unique(),
  name: text('name').notNull(),
  visits: integer('visits').notNull(),
  seenAt: timestamp('seen_at', { withTimezone: true, mode: 'date' }).notNull(),
});
const notes = pgTable('uow_notes', {
  seq: bigserial('seq', { mode: 'number' }).primaryKey(),
  personId: text('person_id').notNull(),
  body: jsonb('body').notNull(),
  firstVisit: boolean('first_visit'),
  tags: text('tags').array(),
});

const DDL = `
  CREATE TABLE uow_people (id text PRIMARY KEY, person_key text NOT NULL UNIQUE, name text NOT NULL,
    visits integer NOT NULL, seen_at timestamptz NOT NULL);
  CREATE TABLE uow_notes (seq bigserial PRIMARY KEY, person_id text NOT NULL REFERENCES uow_people (id),
    body jsonb NOT NULL, first_visit boolean, tags text[]);`;

type Visited = DomainEvent & { topic: 'person.visited'; drawnId: string; personId: Ref<string> };

/** One visit as intents: upsert the person, a note always, a "welcome" note only for a new person. */
function visit(unit: UnitOfWork, key: string, drawnId: string, name: string, at: Date) {
  const person = unit.upsert(
    people,
    { id: drawnId, personKey: key, name, visits: 1, seenAt: at },
    { target: ['personKey'], update: ['name', 'seenAt'] },
  );
  const id = person.col('id');
  const created = person.created;
  unit.insert(notes, {
    personId: id,
    body: jsonWith({ kind: 'visit', name }, { personId: id }),
    tags: ['a', '中文'],
  });
  unit.insert(notes, { personId: id, body: { kind: 'welcome' }, firstVisit: true }, { when: created });
  unit.publish({
    topic: 'person.visited',
    aggregateId: drawnId,
    payload: { key },
    at,
    drawnId,
    personId: id,
  } as Visited);
  return { id, created, person };
}

describe.each(ENGINES)('unit of work on %s', (engine) => {
  let database: TestDatabase;
  let bus: EventBus<Visited>;
  let units: Units;
  const heard: string[] = [];
  const at = new Date('2026-12-03T08:00:00.000Z');

  beforeAll(async () => {
    database = await freshDatabase(engine);
    for (const statement of DDL.split(';').filter((s) => s.trim())) await database.query(statement);
    bus = new EventBus<Visited>();
    // a subscriber adds its own intent to the publisher's unit
    bus.on('person.visited', (unit, event) => {
      heard.push(event.drawnId);
      unit.insert(notes, { personId: event.personId, body: { kind: 'heard' } });
    });
    units = new Units(database.db, bus);
  });
  afterAll(async () => database?.close());

  async function notesOf(id: string) {
    return database.query<{
      body: Record<string, unknown>;
      first_visit: boolean | null;
      tags: string[] | null;
    }>('SELECT body, first_visit, tags FROM uow_notes WHERE person_id = $1 ORDER BY seq', [id]);
  }

  it('writes the same rows through both committers, the conditional note only for a new person', async () => {
    // committer 1: plain statements in a transaction
    const first = await database.db.transaction(async (tx) => {
      const unit = units.begin();
      const refs = visit(unit, 'k-plain', 'p-plain', '张三', at);
      const done = await commitInTransaction(tx, unit);
      return { id: done.value(refs.id), created: done.value(refs.created) };
    });
    // committer 2: one grouped statement
    const unit = units.begin();
    const refs = visit(unit, 'k-grouped', 'p-grouped', '张三', at);
    const answer = [refs.id, refs.created, refs.person.col('seenAt')];
    const part = groupedPart(unit, answer);
    const done = groupedAnswer(unit, answer, await runPart(database.run, part));
    expect(first).toEqual({ id: 'p-plain', created: true });
    expect(done.value(refs.id)).toBe('p-grouped');
    expect(done.value(refs.created)).toBe(true);
    expect(done.value(refs.person.col('seenAt'))).toEqual(at);
    const plainNotes = await notesOf('p-plain');
    const groupedNotes = await notesOf('p-grouped');
    expect(plainNotes.map((n) => n.body.kind)).toEqual(['visit', 'welcome', 'heard']);
    expect(groupedNotes.map((n) => n.body.kind).sort()).toEqual(plainNotes.map((n) => n.body.kind).sort());
    expect(plainNotes[0]).toMatchObject({
      body: { kind: 'visit', name: '张三', personId: 'p-plain' },
      tags: ['a', '中文'],
    });
    expect(groupedNotes.find((n) => n.body.kind === 'visit')).toMatchObject({
      body: { kind: 'visit', name: '张三', personId: 'p-grouped' },
    });
    expect(heard).toEqual(['p-plain', 'p-grouped']);
    // (the order of rows inside one grouped statement is PostgreSQL's: CTEs have no order)
    // both wrote their event's outbox row
    const outbox = await database.query<{ n: string }>(
      "SELECT count(*) AS n FROM outbox WHERE topic = 'person.visited'",
    );
    expect(Number(outbox[0]!.n)).toBe(2);
  });

  it('a known person keeps its id, is refreshed, and gets no second welcome (both committers)', async () => {
    for (const grouped of [false, true]) {
      const unit = units.begin();
      const refs = visit(unit, 'k-plain', `p-drawn-${grouped}`, '李四', at);
      let id: string;
      let created: boolean;
      if (grouped) {
        const answer = [refs.id, refs.created];
        const done = groupedAnswer(unit, answer, await runPart(database.run, groupedPart(unit, answer)));
        id = done.value(refs.id);
        created = done.value(refs.created);
      } else {
        const done = await database.db.transaction((tx) => commitInTransaction(tx, unit));
        id = done.value(refs.id);
        created = done.value(refs.created);
      }
      expect({ id, created }).toEqual({ id: 'p-plain', created: false });
    }
    const kinds = (await notesOf('p-plain')).map((n) => n.body.kind);
    expect(kinds.filter((k) => k === 'welcome')).toHaveLength(1);
    const [row] = await database.query<{ name: string }>("SELECT name FROM uow_people WHERE id = 'p-plain'");
    expect(row!.name).toBe('李四');
  });

  it('several units share one grouped statement, each answered with its own values', async () => {
    const groups = new StatementGroups<{ batch_index: number } & Record<string, unknown>>(database.run, {
      maxInFlight: 1,
    });
    const runs = Array.from({ length: 6 }, async (_, i) => {
      const unit = units.begin();
      const refs = visit(unit, `k-group-${i}`, `p-group-${i}`, `王${i}`, at);
      const answer = [refs.id, refs.created];
      const done = groupedAnswer(unit, answer, await groups.run(groupedPart(unit, answer)));
      return done.value(refs.id);
    });
    expect(await Promise.all(runs)).toEqual(Array.from({ length: 6 }, (_, i) => `p-group-${i}`));
    expect(groups.stats.statements).toBeLessThan(6);
  });

  it('reads lookups with nested values in one statement', async () => {
    // (after the previous test renamed p-plain to 李四)
    const lookups = new Lookups();
    const id = lookups.scalar(people, 'id', { personKey: 'k-plain' });
    const name = lookups.scalar(people, 'name', { id });
    const missing = lookups.scalar(people, 'id', { personKey: 'nobody' });
    const read = lookups.read(await runPart(database.run, lookups.part()));
    expect([read(id), read(name), read(missing)]).toEqual(['p-plain', '李四', null]);
  });

  it('runs hooks after commit only, and a failing intent leaves nothing of its unit', async () => {
    const ran: string[] = [];
    await units.run(async (unit) => {
      visit(unit, 'k-hook', 'p-hook', '赵六', at);
      unit.afterCommit(() => {
        ran.push('after');
      });
      expect(ran).toEqual([]);
    });
    expect(ran).toEqual(['after']);
    // a note for a person that does not exist: the foreign key fails the whole unit
    const failing = () => {
      const unit = units.begin();
      visit(unit, 'k-fail', 'p-fail', '钱七', at);
      unit.insert(notes, { personId: 'no-such-person', body: {} });
      unit.afterCommit(() => {
        ran.push('never');
      });
      return unit;
    };
    await expect(
      units.run(async (tx) => {
        const unit = failing();
        await commitInTransaction(tx.tx, unit);
      }),
    ).rejects.toThrow();
    const bad = failing();
    await expect(runPart(database.run, groupedPart(bad, []))).rejects.toThrow();
    expect(ran).toEqual(['after']);
    await runAfterCommit(units.begin()); // nothing to run
    const left = await database.query<{ n: string }>(
      "SELECT count(*) AS n FROM uow_people WHERE id = 'p-fail'",
    );
    expect(Number(left[0]!.n)).toBe(0);
  });

  it('runs a subscriber step that reads before it writes, in the unit, at flush; a failing step leaves nothing', async () => {
    const read = async (unit: TransactionUnit, key: string) =>
      (await unit.tx.select().from(people).where(eq(people.personKey, key))).length;
    const seen: unknown[] = [];
    await units.run(async (unit) => {
      visit(unit, 'k-step', 'p-step', '孙八', at);
      unit.beforeFlush(async (own) => {
        // the step runs before the intents are written: the person is not there yet
        seen.push(await read(own, 'k-step'));
        own.insert(notes, { personId: 'p-step', body: { kind: 'step' } });
        own.beforeFlush(async () => {
          seen.push('nested');
        });
      });
      expect(seen).toEqual([]);
    });
    expect(seen).toEqual([0, 'nested']);
    expect((await notesOf('p-step')).map((n) => n.body.kind)).toEqual(['visit', 'welcome', 'heard', 'step']);
    await expect(
      units.run(async (unit) => {
        visit(unit, 'k-step-fail', 'p-step-fail', '周九', at);
        unit.beforeFlush(async () => {
          throw new Error('the step failed');
        });
      }),
    ).rejects.toThrow(/step failed/);
    expect(await notesOf('p-step-fail')).toEqual([]);
  });

  it('refuses a Ref to a conditional intent and writes after commit', async () => {
    const unit = units.begin();
    const note = unit.insert(
      notes,
      { personId: 'x', body: {} },
      { when: visit(unit, 'k-x', 'p-x', 'x', at).created },
    );
    expect(() => unit.insert(notes, { personId: note.col('personId'), body: {} })).toThrow(/conditional/);
    groupedPart(unit, []);
    expect(() => unit.insert(notes, { personId: 'x', body: {} })).toThrow(/committed/);
  });
});
