// The detectors `shoujia simulate --detector <name>` can run. Empty until the detection issue
// registers its core here (one line: name → factory); the simulator ships no stand-in detector,
// so without one every alertDay is null (ADR 0051).
import type { Detector } from './model.ts';

export const DETECTORS: Readonly<Record<string, () => Detector>> = {};
