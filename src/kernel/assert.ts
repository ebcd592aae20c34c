// Broken invariants are bugs: they throw loudly. Expected rejections are values (see errors.ts).

export class AssertionError extends Error {
  override name = 'AssertionError';
}

export function assert(condition: unknown, why: string): asserts condition {
  if (!condition) throw new AssertionError(why);
}

export function unreachable(value: never, why = 'unreachable'): never {
  throw new AssertionError(`${why}: ${JSON.stringify(value)}`);
}
