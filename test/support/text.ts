// Text as the world sends it, for property tests: Chinese first, with ASCII, control characters
// (C0, DEL, C1), zero-width and bidi marks, full-width forms and lone surrogate halves mixed in —
// not fast-check's default printable ASCII.
import fc from 'fast-check';

const range = (min: number, max: number) => fc.integer({ min, max }).map((c) => String.fromCharCode(c));

/** One UTF-16 code unit of any of the kinds above. */
export const worldChar = fc.oneof(
  { weight: 6, arbitrary: range(0x4e00, 0x9fff) },
  { weight: 2, arbitrary: range(0x20, 0x7e) },
  { weight: 1, arbitrary: range(0x00, 0x1f) },
  { weight: 1, arbitrary: range(0x7f, 0x9f) },
  { weight: 1, arbitrary: fc.constantFrom('\u200b', '\u200d', '\u202e', '\ufeff', '\u2028') },
  { weight: 1, arbitrary: range(0xff01, 0xff5e) },
  { weight: 1, arbitrary: range(0xd800, 0xdfff) },
);

export function worldText(maxLength: number): fc.Arbitrary<string> {
  return fc.string({ unit: worldChar, maxLength });
}
