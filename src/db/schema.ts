// Every module's tables, for drizzle's typed queries and drizzle-kit's migration generator.
// Add a line here when a module gains a schema.ts.
export * from '../access/schema.ts';
export * from '../catalog/schema.ts';
export * from '../dashboard/schema.ts';
export * from '../detection/schema.ts';
export * from '../detection/canary-schema.ts';
export * from '../engagement/schema.ts';
export * from '../identity/schema.ts';
export * from '../intake/schema.ts';
export * from '../ledger/schema.ts';
export * from '../routing/schema.ts';
export * from '../sharing/schema.ts';
export * from '../simulation/schema.ts';
export * from '../settlement/schema.ts';
export * from './infra-schema.ts';
