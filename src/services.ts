// The composition root: one place that builds every service from its dependencies. The HTTP app,
// the CLI and the tests all start here, so they run the same wiring.
import { AccessService } from './access/service.ts';
import { CatalogService } from './catalog/service.ts';
import type { Database } from './db/client.ts';
import { IdentityService } from './identity/service.ts';
import { IntakeService } from './intake/service.ts';
import { type Clock, type IdGenerator, Vault, createIdGenerator, systemClock } from './kernel/index.ts';

export interface ServiceOptions {
  database: Database;
  masterKey: Buffer;
  clock?: Clock;
  ids?: IdGenerator;
  ledgerOrigin?: string;
}

export interface Services {
  database: Database;
  clock: Clock;
  ids: IdGenerator;
  vault: Vault;
  masterKey: Buffer;
  ledgerOrigin: string;
  access: AccessService;
  identity: IdentityService;
  catalog: CatalogService;
  intake: IntakeService;
  /** Called on shutdown, after the HTTP server stops taking requests and before the database closes. */
  stopHooks: Array<() => Promise<void>>;
}

export function createServices(options: ServiceOptions): Services {
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? createIdGenerator(clock);
  const vault = new Vault(options.masterKey);
  const base = { clock, ids, vault, masterKey: options.masterKey };
  const identity = new IdentityService(base);
  const services: Services = {
    database: options.database,
    ...base,
    ledgerOrigin: options.ledgerOrigin ?? 'shoujia.local/ledger',
    access: new AccessService(base),
    identity,
    catalog: new CatalogService(base),
    intake: new IntakeService({ ...base, identity }),
    stopHooks: [],
  };
  return services;
}
