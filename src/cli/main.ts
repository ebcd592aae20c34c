// The `shoujia` command: the service, the demo, and the offline tools (pricing, ledger kit, …).
// Each command is a module under cli/commands exporting { summary, usage, run(argv) → exit code }.
import { DataDirLockedError } from '../db/lock.ts';
import { COMMANDS } from './commands.ts';

export interface Command {
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
  /** For a command that reads the embedded store: what to use over HTTP while the service holds it. */
  whileServing?: string;
}

/** The one line a command gets when the running service holds the embedded store (ADR 0067). */
export function lockedMessage(name: string, command: Command, error: DataDirLockedError): string {
  const holder = error.holder;
  const http = holder?.url
    ? `use the running service’s HTTP API at ${holder.url}${command.whileServing ? ` (${command.whileServing})` : ''}`
    : 'use the running service’s HTTP API';
  const stop = holder ? `stop it (kill ${holder.pid})` : 'stop it';
  return `shoujia ${name}: ${error.message}; ${http}, or ${stop} and run this again`;
}

function help(): string {
  const width = Math.max(...Object.keys(COMMANDS).map((name) => name.length));
  return [
    'shoujia — 守家: the core system of a loan-facilitation platform',
    '',
    'Usage: shoujia <command> [options]',
    '',
    'Commands:',
    ...Object.entries(COMMANDS).map(([name, command]) => `  ${name.padEnd(width)}  ${command.summary}`),
    '',
    'Run `shoujia <command> --help` for a command’s options.',
  ].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    console.log(help());
    return 0;
  }
  const entry = COMMANDS[name];
  if (!entry) {
    console.error(`shoujia: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  const command = await entry.load();
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof DataDirLockedError) {
      console.error(lockedMessage(name, command, error));
      return 1;
    }
    throw error;
  }
}
