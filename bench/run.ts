// `npm run bench -- <area> [--json]`: runs bench/<area>.ts, prints a table, and with --json ends
// with one line {"area","node","nproc","results":[{"name","value","unit"}]}. Each area compares
// itself with its peer or baseline in the same run; figures go to BENCHMARKS.md.
import { availableParallelism } from 'node:os';
import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** free text for the table: the peer, the goal */
  note?: string;
}

export interface BenchArea {
  description: string;
  run(options: { json: boolean; log: (line: string) => void; args: string[] }): Promise<BenchResult[]>;
}

const here = dirname(fileURLToPath(import.meta.url));
const areas = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && f !== 'run.ts' && !f.startsWith('_'))
  .map((f) => f.slice(0, -3));

const args = process.argv.slice(2);
const json = args.includes('--json');
const area = args.find((a) => !a.startsWith('--'));
if (!area || !areas.includes(area)) {
  console.error(`usage: npm run bench -- <area> [--json]\nareas: ${areas.join(', ')}`);
  process.exit(2);
}
const module = (await import(pathToFileURL(`${here}/${area}.ts`).href)) as { default: BenchArea };
// In --json mode progress goes to stderr so the last stdout line is the JSON object.
const log = (line: string) => (json ? console.error(line) : console.log(line));
log(`bench ${area}: ${module.default.description}`);
const results = await module.default.run({
  json,
  log,
  args: args.filter((a) => a !== area && a !== '--json'),
});
const width = Math.max(...results.map((r) => r.name.length), 4);
log('');
log(`${'name'.padEnd(width)}  ${'value'.padStart(14)}  unit`);
for (const r of results)
  log(
    `${r.name.padEnd(width)}  ${formatValue(r.value).padStart(14)}  ${r.unit}${r.note ? `  (${r.note})` : ''}`,
  );
if (json) {
  console.log(
    JSON.stringify({
      area,
      node: process.version,
      nproc: availableParallelism(),
      results: results.map(({ name, value, unit }) => ({ name, value, unit })),
    }),
  );
}
process.exit(0);

function formatValue(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toPrecision(4);
}
