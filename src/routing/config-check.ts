// Validation of a routing configuration an operator submits (PUT /v1/routing/config): the shapes
// are checked by the route's schema; these are the rules between fields, as a Result (STYLE §1).
import { err, ok, type Result } from '../kernel/index.ts';
import { type CapSettingError, checkCapSettings } from '../pricing/cap.ts';
import type { RoutingConfig } from './model.ts';
import { SCORE_MAX } from './scorecard.ts';

/** routing_config_invalid for rules between fields; the cap's own codes from pricing (cap.ts). */
/** The most applications of burst a budget may allow beyond its share (the route's schema has the same bound). */
export const MAX_EXPOSURE_BURST = 1000;

export type ConfigError = 'routing_config_invalid' | CapSettingError;

export function checkRoutingConfig(config: RoutingConfig): Result<RoutingConfig, ConfigError> {
  const bad = (field: string, message: string) => err('routing_config_invalid' as const, message, field);
  const { bands } = config;
  if (bands.length === 0) return bad('bands', 'at least one band');
  for (let i = 0; i < bands.length; i++) {
    const band = bands[i]!;
    if (band.minScore < 0 || band.minScore > SCORE_MAX)
      return bad(`bands.${i}.minScore`, 'minScore within 0..1000');
    if (i > 0 && bands[i - 1]!.minScore <= band.minScore)
      return bad(`bands.${i}.minScore`, 'bands are listed from the highest minScore down');
    if (bands.findIndex((b) => b.band === band.band) !== i)
      return bad(`bands.${i}.band`, `band ${band.band} is listed twice`);
  }
  if (bands[bands.length - 1]!.minScore !== 0)
    return bad(`bands.${bands.length - 1}.minScore`, 'the lowest band must start at 0');
  const rotation = config.rotation;
  for (const [band, share] of Object.entries(rotation.exposureShareByBand)) {
    if (!bands.some((b) => b.band === band))
      return bad(`rotation.exposureShareByBand.${band}`, `no band ${band}`);
    // A share is a fraction of the funder's own flow (ADR 0073): above 1 would be no budget.
    if (!(share >= 0 && share <= 1)) return bad(`rotation.exposureShareByBand.${band}`, 'share within 0..1');
  }
  if (
    !Number.isInteger(rotation.exposureBurst) ||
    rotation.exposureBurst < 0 ||
    rotation.exposureBurst > MAX_EXPOSURE_BURST
  )
    return bad('rotation.exposureBurst', `a whole number within 0..${MAX_EXPOSURE_BURST}`);
  for (const band of Object.keys(rotation.exposureBudgetPerMonth ?? {})) {
    if (!bands.some((b) => b.band === band))
      return bad(`rotation.exposureBudgetPerMonth.${band}`, `no band ${band}`);
  }
  // The legal cap: checked first among the pricing rules, by the one module that owns it.
  const cap = checkCapSettings(config.pricing, 'pricing');
  if (!cap.ok) return cap;
  if (config.pricing.preferredMethods.length === 0)
    return bad('pricing.preferredMethods', 'at least one method');
  const ages = config.scorecard.agePoints;
  for (let i = 0; i < ages.length; i++)
    if (ages[i]!.min > ages[i]!.max) return bad(`scorecard.agePoints.${i}`, 'min above max');
  return ok(config);
}
