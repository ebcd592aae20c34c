// The command table. Add a line when a module gains a command.
import type { Command } from './main.ts';
import { keysCommand } from '../access/cli.ts';
import { ledgerCommand } from '../ledger/cli.ts';
import { priceCommand } from '../pricing/cli.ts';
import { routeCommand } from '../routing/cli.ts';
import { funderCommand } from '../sharing/cli.ts';
import { simulateCommand } from '../simulation/cli.ts';
import { demoCommand, serveCommand } from './serve.ts';

export const COMMANDS: Record<string, Command> = {
  serve: serveCommand,
  demo: demoCommand,
  ledger: {
    ...ledgerCommand,
    whileServing: 'GET /v1/ledger/checkpoint, /v1/ledger/proofs/inclusion, /v1/ledger/proofs/consistency',
  },
  price: priceCommand,
  route: routeCommand,
  simulate: simulateCommand,
  funder: funderCommand,
  keys: keysCommand,
};
