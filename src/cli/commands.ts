// The command table. Add a line when a module gains a command. Each command's module is imported
// only when that command runs, so `shoujia --help` loads almost nothing (issue 11 item 9).
import type { Command } from './main.ts';

export interface CommandEntry {
  /** shown by `shoujia --help` without loading the command (the module's own summary is the same text) */
  summary: string;
  load(): Promise<Command>;
}

export const COMMANDS: Record<string, CommandEntry> = {
  serve: {
    summary: 'run the service (no demo data)',
    load: async () => (await import('./serve.ts')).serveCommand,
  },
  demo: {
    summary: 'run the service with the demo catalogue and a demo admin key (npm start)',
    load: async () => (await import('./serve.ts')).demoCommand,
  },
  ledger: {
    summary: 'the funder kit (verify proofs offline) and the ledger audit',
    load: async () => ({
      ...(await import('../ledger/cli.ts')).ledgerCommand,
      whileServing: 'GET /v1/ledger/checkpoint, /v1/ledger/proofs/inclusion, /v1/ledger/proofs/consistency',
    }),
  },
  evidence: {
    summary: 'verify an evidence package offline (the funder kit)',
    load: async () => (await import('../detection/cli.ts')).evidenceCommand,
  },
  price: {
    summary: 'price a loan: schedule, comprehensive annual cost (IRR), 24% cap check',
    load: async () => (await import('../pricing/cli.ts')).priceCommand,
  },
  route: {
    summary: 'route one applicant offline against the demo catalogue and explain every product',
    load: async () => (await import('../routing/cli.ts')).routeCommand,
  },
  simulate: {
    summary: 'run a market simulation (honest and poaching funders) against the real routing core',
    load: async () => (await import('../simulation/cli.ts')).simulateCommand,
  },
  funder: {
    summary: 'funder kit: OPRF keys, encode a pre-screen list, serve the private pre-screen',
    load: async () => (await import('../sharing/cli.ts')).funderCommand,
  },
  keys: {
    summary: 'create an API key in the store (an admin key for a fresh `serve`)',
    load: async () => (await import('../access/cli.ts')).keysCommand,
  },
};
