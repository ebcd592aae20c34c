// Private pre-screen (RFC 9497 OPRF, ristretto255-SHA512) against what it replaces and a peer:
//   oprf_encode_1m_s   the funder kit encoding 1M identifiers with worker threads (goal ≤ 180 s on 2 cores).
//                      Default run: 100k encoded and scaled ×10 (said in the output); --full encodes 1M.
//   oprf_check_ms      one platform check (phone + ID number): blind, the funder's evaluation, unblind,
//                      set lookup; in-process, no network (goal ≤ 2 ms). Median of CHECKS.
//   md5_invert_per_s   MD5(phone) candidates tried per second on one core: the leak of today's 撞库.
//   psijs_per_element_ms  @openmined/psi.js (ECDH-PSI, WebAssembly): server setup cost per element, the
//                      peer of our per-element encode, run here in the same process.
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { md5Hex, invertMd5Phones } from '../src/sharing/md5-leak.ts';
import { blind, finalize, scalarFromRandom } from '../src/sharing/oprf.ts';
import { handleEvaluate } from '../src/sharing/oprf-server.ts';
import { encodeInputs, encodeSet } from '../src/sharing/prescreen-encode.ts';
import { parseSetFile, prescreenInput, setContains } from '../src/sharing/prescreen-set.ts';
import type { BenchArea, BenchResult } from './run.ts';

const FULL = 1_000_000;
const DEFAULT_ENCODE = 100_000;
const CHECKS = 500;
const SINGLE_THREAD_SAMPLE = 2_000;
const MD5_PREFIX = '13812'; // 10^6 candidates
const PSI_SAMPLE = 5_000;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
};
const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!;

/** Synthetic list: phones in 137xxxxxxxx plus ID-number-shaped strings, as a funder's list mixes both. */
function identifiers(count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    i % 4 === 3 ? `id:1101051980${String(i).padStart(7, '0')}X` : `phone:137${String(i).padStart(8, '0')}`,
  );
}

const area: BenchArea = {
  description: 'private pre-screen: OPRF encode / check vs MD5 inversion and @openmined/psi.js',
  async run({ log, args }) {
    const full = args.includes('--full');
    const workers = availableParallelism();
    const key = { keyId: 'bench', secretKey: scalarFromRandom(randomBytes(64)) };

    // ---- per-element cost, one thread (the unit both sides are compared in) ----
    const sample = identifiers(SINGLE_THREAD_SAMPLE);
    encodeInputs(key.secretKey, sample.slice(0, 200)); // warm-up
    let started = performance.now();
    encodeInputs(key.secretKey, sample);
    const oursPerElementMs = (performance.now() - started) / sample.length;
    log(`OPRF evaluate, one thread: ${(oursPerElementMs * 1000).toFixed(0)} µs per identifier`);

    // ---- encode with worker threads ----
    const encodeCount = full ? FULL : DEFAULT_ENCODE;
    const inputs = identifiers(encodeCount);
    log(`encoding ${encodeCount.toLocaleString('en-US')} identifiers with ${workers} worker thread(s)…`);
    started = performance.now();
    const { file, count } = await encodeSet(key, inputs, { workers, createdAt: new Date(0) });
    const encodeSeconds = (performance.now() - started) / 1000;
    const encode1mSeconds = encodeSeconds * (FULL / encodeCount);
    log(
      full
        ? `encoded 1,000,000 in ${encodeSeconds.toFixed(1)} s (measured, --full)`
        : `encoded ${encodeCount.toLocaleString('en-US')} in ${encodeSeconds.toFixed(1)} s → 1M extrapolated ×${FULL / encodeCount}: ${encode1mSeconds.toFixed(0)} s (run with --full to measure 1M)`,
    );

    // ---- one check: platform blinds phone + ID, funder evaluates, platform unblinds and looks up ----
    const parsed = parseSetFile(file);
    if (!parsed.ok) throw new Error(parsed.message);
    const set = parsed.value;
    const keys = new Map([[key.keyId, key.secretKey]]);
    const timings: number[] = [];
    let members = 0;
    for (let i = 0; i < CHECKS + 50; i++) {
      const phone = `137${String((i * 7919) % (count * 2)).padStart(8, '0')}`;
      const applicant = [
        prescreenInput('phone', phone),
        prescreenInput('id', `11010519900101${String(i).padStart(3, '0')}X`),
      ];
      const t0 = performance.now();
      const blinds = applicant.map(() => scalarFromRandom(randomBytes(64)));
      const request = {
        keyId: key.keyId,
        elements: applicant.map((input, j) => Buffer.from(blind(input, blinds[j]!)).toString('base64')),
      };
      const response = handleEvaluate(keys, request, 64);
      if (!response.ok) throw new Error(response.message);
      const member = applicant.some((input, j) => {
        const output = finalize(input, blinds[j]!, Buffer.from(response.value.evaluated[j]!, 'base64'));
        return output.ok && setContains(set, output.value);
      });
      const elapsed = performance.now() - t0;
      if (i >= 50) timings.push(elapsed); // first 50 are warm-up
      if (member) members++;
    }
    const checkMs = median(timings);
    log(
      `check: median ${checkMs.toFixed(3)} ms, p99 ${percentile(timings, 0.99).toFixed(3)} ms over ${CHECKS} (${members} members found; set of ${count.toLocaleString('en-US')})`,
    );

    // ---- the leak: MD5(phone) inverted by enumerating a segment ----
    const targets = ['13812000000', '13812345678', '13812999999'].map(md5Hex);
    started = performance.now();
    const found = invertMd5Phones(new Set(targets), MD5_PREFIX);
    const md5Seconds = (performance.now() - started) / 1000;
    const candidates = 10 ** (11 - MD5_PREFIX.length);
    const md5PerSecond = candidates / md5Seconds;
    if (found.size !== targets.length) throw new Error('MD5 inversion missed a target');
    log(
      `MD5 inversion: ${candidates.toLocaleString('en-US')} candidates in ${md5Seconds.toFixed(2)} s, all ${found.size} hashes reversed; ` +
        `a 7-digit segment (10^4) takes ${((1e4 / md5PerSecond) * 1000).toFixed(1)} ms, every mainland number (<10^10) ${(1e10 / md5PerSecond / 3600).toFixed(1)} h on one core`,
    );

    // ---- peer: @openmined/psi.js ----
    let psiPerElementMs = Number.NaN;
    try {
      const PSI = (await import('@openmined/psi.js')).default as unknown as () => Promise<{
        server: {
          createWithNewKey(revealIntersection: boolean): {
            createSetupMessage(fpr: number, numClientInputs: number, inputs: string[], ds?: unknown): unknown;
          };
        };
        dataStructure: { Raw: unknown };
      }>;
      const psi = await PSI();
      const server = psi.server.createWithNewKey(true);
      const elements = identifiers(PSI_SAMPLE);
      server.createSetupMessage(1e-9, 1, elements.slice(0, 200), psi.dataStructure.Raw); // warm-up
      started = performance.now();
      server.createSetupMessage(1e-9, 1, elements, psi.dataStructure.Raw);
      psiPerElementMs = (performance.now() - started) / PSI_SAMPLE;
      log(
        `@openmined/psi.js server setup: ${(psiPerElementMs * 1000).toFixed(0)} µs per element, one thread ` +
          `(ours ${(oursPerElementMs * 1000).toFixed(0)} µs: ${(psiPerElementMs / oursPerElementMs).toFixed(1)}× ${psiPerElementMs > oursPerElementMs ? 'slower' : 'faster'})`,
      );
    } catch (error) {
      log(`@openmined/psi.js did not load offline: ${(error as Error).message}`);
    }

    const results: BenchResult[] = [
      {
        name: 'oprf_encode_1m_s',
        value: Number(encode1mSeconds.toFixed(1)),
        unit: 's',
        note: `${full ? 'measured 1M' : `${encodeCount / 1000}k ×${FULL / encodeCount}`}, ${workers} workers; goal ≤ 180`,
      },
      {
        name: 'oprf_check_ms',
        value: Number(checkMs.toFixed(3)),
        unit: 'ms',
        note: 'median, phone + ID, no network; goal ≤ 2',
      },
      { name: 'md5_invert_per_s', value: Math.round(md5PerSecond), unit: 'candidates/s', note: 'one core' },
      {
        name: 'psijs_per_element_ms',
        value: Number(psiPerElementMs.toFixed(3)),
        unit: 'ms',
        note: `@openmined/psi.js setup, one thread; ours ${oursPerElementMs.toFixed(3)} ms`,
      },
    ];
    return results;
  },
};

export default area;
