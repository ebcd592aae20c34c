// The `shoujia` command: the service, the demo, and the offline tools (pricing, ledger kit, …).
// Each command is a module under cli/commands exporting { summary, usage, run(argv) → exit code }.
import { COMMANDS } from './commands.ts';

export interface Command {
  summary: string;
  usage: string;
  run(argv: string[]): Promise<number>;
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
  const command = COMMANDS[name];
  if (!command) {
    console.error(`shoujia: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    console.log(command.usage);
    return 0;
  }
  return command.run(rest);
}
