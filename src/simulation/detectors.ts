// The detectors `shoujia simulate --detector <name>` can run: name → factory. `shoujia` is
// production's scoring and fusion core (src/detection/fusion.ts) behind the simulator's Detector
// interface (sim-detector.ts: translation only, ADR 0075).
import type { Detector } from './model.ts';
import { ShoujiaSimDetector } from './sim-detector.ts';

export const DETECTORS: Readonly<Record<string, () => Detector>> = {
  shoujia: () => new ShoujiaSimDetector(),
};
