// How pricing writes a rate for people: percent with two decimals, half-up (disclosures, messages).

/** 0.2134… → "21.34%" (half-up on the hundredth of a percent). */
export function percent(rate: number): string {
  const hundredths = Math.round(rate * 1e4 * 1e6) / 1e6; // snap float noise before rounding
  return `${(Math.floor(hundredths + 0.5) / 100).toFixed(2)}%`;
}
