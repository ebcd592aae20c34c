// Load generator for bench/routing.ts, run as its own process so it does not share the server's
// event loop: autocannon POSTs unique applications (own ID number and idempotency key each).
// autocannon ships no types: the slice used here.
interface Result {
  requests: { p50: number; average: number; total: number };
  latency: { p50: number; p99: number };
  non2xx: number;
  errors: number;
}
interface RequestShape {
  headers: Record<string, string>;
  [key: string]: unknown;
}
// @ts-expect-error no declaration file
const autocannon = (await import('autocannon')).default as (options: unknown) => Promise<Result>;
import { checkCharacter } from '../src/identity/id-number.ts';

const [address, key, seconds, connections, warmupSeconds = '0', roundsText = '1'] = process.argv.slice(2);
const REGIONS = ['110105', '310104', '440305', '320102', '510104', '420102', '330106'];
let counter = 0;

function body(): string {
  counter++;
  const sequence = String(counter % 1000).padStart(3, '0');
  const year = 1970 + (counter % 30);
  const first17 = `${REGIONS[counter % REGIONS.length]}${year}0${1 + (counter % 9)}1${counter % 10}${sequence}`;
  return JSON.stringify({
    applicant: {
      name: '测试',
      idNumber: first17 + checkCharacter(first17),
      phone: `138${String(counter % 1e8).padStart(8, '0')}`,
      employer: '某某科技有限公司',
      monthlyIncomeFen: 500_000 + (counter % 40) * 100_000,
    },
    request: {
      amountFen: (1 + (counter % 200)) * 100_000,
      termMonths: [3, 6, 12, 24, 36][counter % 5],
      purpose: '消费',
    },
    channel: 'app',
    ...(counter % 2 === 0 ? { score: 400 + (counter % 600) } : {}),
  });
}

const load = (duration: number) =>
  autocannon({
    url: `${address}/v1/applications`,
    method: 'POST',
    connections: Number(connections),
    duration,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (request: RequestShape) => ({
          ...request,
          body: body(),
          headers: { ...request.headers, 'idempotency-key': `bench-${process.pid}-${counter}` },
        }),
      },
    ],
  });
// Warm-up (not counted): the first requests compile the catalogue and the JIT's code; without it a
// short run's p99 is the cold start's, not the steady state's.
if (Number(warmupSeconds) > 0) await load(Number(warmupSeconds));
if (process.send) process.send('measuring');
// Rounds back to back on the same server; the machine's speed drifts by ±20% between runs, so the
// median round is the figure and every round is reported.
const rounds: Result[] = [];
for (let round = 0; round < Math.max(1, Number(roundsText)); round++)
  rounds.push(await load(Number(seconds)));
const medianOf = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(
  JSON.stringify({
    rps50: medianOf(rounds.map((r) => r.requests.p50)),
    rpsAverage: medianOf(rounds.map((r) => r.requests.average)),
    total: rounds.reduce((sum, r) => sum + r.requests.total, 0),
    p50: medianOf(rounds.map((r) => r.latency.p50)),
    p99: medianOf(rounds.map((r) => r.latency.p99)),
    non2xx: rounds.reduce((sum, r) => sum + r.non2xx, 0),
    errors: rounds.reduce((sum, r) => sum + r.errors, 0),
    rounds: rounds.map((r) => ({ rps50: r.requests.p50, p99: r.latency.p99 })),
  }),
);
