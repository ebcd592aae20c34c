// Detection's reference tables (ADR 0076): the institution alias table the credit-report cross-check
// resolves names with (loaded into the pure buildInstitutionAliases, so the same conflict rule
// holds for what is stored), and the staff contact points, kept only as keyed hashes.
import type { CatalogService } from '../catalog/service.ts';
import type { Executor } from '../db/client.ts';
import { type Clock, deriveKey, hmacSha256, type IdGenerator } from '../kernel/index.ts';
import { normaliseContactAddress } from '../sharing/relay.ts';
import { DomainError, unwrap } from './errors.ts';
import {
  buildInstitutionAliases,
  normaliseInstitutionCode,
  normaliseInstitutionName,
} from './institutions.ts';
import {
  INSTITUTION_NAMES_PER_ENTRY_MAX,
  type InstitutionAliasEntry,
  type InstitutionAliases,
} from './model.ts';
import * as store from './store.ts';

/** Who changed something: `key:<id>` for a person's API key, `rescoring:<rule>` for the automatic step. */
export type Actor = string;

export interface RegisterDeps {
  clock: Clock;
  ids: IdGenerator;
  masterKey: Buffer;
  catalog: Pick<CatalogService, 'getFunder'>;
}

export class DetectionRegisters {
  private readonly staffKeySecret: Buffer;

  constructor(private readonly deps: RegisterDeps) {
    this.staffKeySecret = deriveKey(deps.masterKey, 'detection/staff-contact');
  }

  // ---- institution aliases ----

  private async aliasEntries(
    tx: Executor,
  ): Promise<{ rows: store.AliasRow[]; entries: InstitutionAliasEntry[] }> {
    const rows = await store.aliasRows(tx);
    if (rows.length > store.ALIAS_ROWS_MAX)
      throw new DomainError('institution_alias_invalid', `more than ${store.ALIAS_ROWS_MAX} aliases stored`);
    const byFunder = new Map<string, { names: string[]; codes: string[] }>();
    for (const row of rows) {
      const entry = byFunder.get(row.funderId) ?? { names: [], codes: [] };
      (row.kind === 'name' ? entry.names : entry.codes).push(row.value);
      byFunder.set(row.funderId, entry);
    }
    // The pure builder limits names per entry; a funder with more is split into several entries.
    const entries: InstitutionAliasEntry[] = [];
    const PER_ENTRY = INSTITUTION_NAMES_PER_ENTRY_MAX;
    for (const [funderId, { names, codes }] of byFunder)
      for (let i = 0; i < Math.max(names.length, codes.length); i += PER_ENTRY)
        entries.push({
          funderId,
          names: names.slice(i, i + PER_ENTRY),
          codes: codes.slice(i, i + PER_ENTRY),
        });
    return { rows, entries };
  }

  /** The alias table built from what is stored (the pure builder checks it again). */
  async aliasTable(tx: Executor): Promise<InstitutionAliases> {
    return unwrap(buildInstitutionAliases((await this.aliasEntries(tx)).entries));
  }

  /**
   * Add names and codes for a funder. The whole table with them must build (a name or code another
   * funder claims is institution_alias_conflict); one the funder already has is left as it is.
   */
  async addAliases(
    tx: Executor,
    input: { funderId: string; names: readonly string[]; codes: readonly string[] },
    actor: Actor,
  ): Promise<store.AliasRow[]> {
    if (!(await this.deps.catalog.getFunder(tx, input.funderId)))
      throw new DomainError('funder_not_found', `no funder ${input.funderId}`, 'funderId');
    const { rows, entries } = await this.aliasEntries(tx);
    // checked alone first, so `field` points into this request, then with the stored table
    unwrap(buildInstitutionAliases([{ funderId: input.funderId, names: input.names, codes: input.codes }]));
    unwrap(
      buildInstitutionAliases([
        ...entries,
        { funderId: input.funderId, names: input.names, codes: input.codes },
      ]),
    );
    const have = new Set(rows.map((r) => `${r.kind}:${r.normalised}`));
    const now = this.deps.clock.now();
    const fresh: store.AliasRow[] = [];
    const add = (kind: 'name' | 'code', value: string, normalised: string) => {
      if (have.has(`${kind}:${normalised}`)) return;
      have.add(`${kind}:${normalised}`);
      fresh.push({
        id: this.deps.ids.next('ali'),
        funderId: input.funderId,
        kind,
        value,
        normalised,
        createdBy: actor,
        createdAt: now,
      });
    };
    for (const name of input.names) add('name', name, normaliseInstitutionName(name));
    for (const code of input.codes) add('code', code, normaliseInstitutionCode(code));
    if (rows.length + fresh.length > store.ALIAS_ROWS_MAX)
      throw new DomainError('institution_alias_invalid', `at most ${store.ALIAS_ROWS_MAX} aliases`);
    if (fresh.length > 0 && !(await store.insertAliases(tx, fresh)))
      throw new DomainError('conflict', 'an alias was added concurrently; retry');
    return fresh;
  }

  async listAliases(tx: Executor, funderId?: string | undefined): Promise<store.AliasRow[]> {
    const { rows } = await this.aliasEntries(tx);
    return funderId === undefined ? rows : rows.filter((r) => r.funderId === funderId);
  }

  async deleteAlias(tx: Executor, id: string): Promise<void> {
    if (!(await store.deleteAlias(tx, id)))
      throw new DomainError('institution_alias_not_found', `no alias ${id}`, 'id');
  }

  // ---- staff contact points ----

  /** The keyed hash a staff contact point is stored and matched by. */
  staffKey(address: string): string {
    return hmacSha256(this.staffKeySecret, normaliseContactAddress(address)).toString('hex');
  }

  /** Register a staff contact point; only its keyed hash is stored (staff numbers are not kept in clear). */
  async addStaffContact(
    tx: Executor,
    input: { channel: 'phone' | 'email' | 'relay-address'; address: string; owner: string; label: string },
    actor: Actor,
  ): Promise<store.StaffContactRow> {
    const address = input.address.trim();
    const valid =
      input.channel === 'phone'
        ? /^(\+?86)?1[3-9]\d{9}$/.test(address.replace(/[\s-]/g, ''))
        : input.channel === 'email'
          ? EMAIL.test(address)
          : RELAY_ADDRESS.test(address);
    if (!valid) throw new DomainError('staff_contact_invalid', `not a ${input.channel} address`, 'address');
    const row: store.StaffContactRow = {
      id: this.deps.ids.next('stc'),
      addressKey: this.staffKey(address),
      channel: input.channel,
      owner: input.owner,
      label: input.label,
      createdBy: actor,
      createdAt: this.deps.clock.now(),
    };
    if (!(await store.insertStaffContact(tx, row)))
      throw new DomainError('staff_contact_exists', 'this contact point is already registered', 'address');
    return row;
  }

  listStaffContacts(tx: Executor, page: { after?: string | undefined; limit: number }) {
    return store.listStaffContacts(tx, page);
  }

  async deleteStaffContact(tx: Executor, id: string): Promise<void> {
    if (!(await store.deleteStaffContact(tx, id)))
      throw new DomainError('staff_contact_not_found', `no staff contact ${id}`, 'id');
  }
}

const EMAIL = /^[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,20}$/;
/** A relay point as the provider names it: a number or a token, no spaces inside. */
const RELAY_ADDRESS = /^[A-Za-z0-9+@._-][A-Za-z0-9+@._ -]{1,252}[A-Za-z0-9]$/;
