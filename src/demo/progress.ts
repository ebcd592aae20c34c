// What `shoujia demo` prints while its market runs: a line of market figures now and then, and a
// line each time the service raises a funder's detection level — in Chinese and English.
import type { DemoMarket } from './market.ts';

/** Print progress every `everyMs`; returns a function that stops it. */
export function reportProgress(
  market: DemoMarket,
  print: (line: string) => void,
  everyMs = 15_000,
): () => void {
  const levels = new Map<string, string>();
  let busy = false;
  const tick = async () => {
    if (busy) return;
    busy = true;
    try {
      const s = market.stats;
      print(
        `  市场 market: 申请 applications ${s.applications} · 批准 approved ${s.approved} · 放款 booked ${s.booked} · 还款 repayments ${s.repayments} · 金丝雀 canaries placed ${s.canariesPlaced}`,
      );
      for (const f of await market.flagged()) {
        if (levels.get(f.funderId) === f.level) continue;
        levels.set(f.funderId, f.level);
        print(
          `  ⚑ 预警 alert: ${f.funderId} → ${f.level} (证据 evidence: ${f.evidence}) — 见仪表盘 see the dashboard's alerts page`,
        );
      }
    } catch {
      // the service is stopping, or busy: the next tick tries again
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
