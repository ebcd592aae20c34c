// Mainland mobile numbers: 11 digits ^1[3-9]\d{9}$, optionally written with +86 / 86.
export function normalisePhone(raw: string): string | null {
  const compact = raw.replace(/[\s-]/g, '');
  const local = compact.startsWith('+86')
    ? compact.slice(3)
    : compact.length === 13 && compact.startsWith('86')
      ? compact.slice(2)
      : compact;
  return /^1[3-9]\d{9}$/.test(local) ? local : null;
}

/** 138****1234 */
export function maskPhone(phone: string): string {
  return `${phone.slice(0, 3)}****${phone.slice(7)}`;
}
