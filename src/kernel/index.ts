// The kernel: what every module may use. Nothing here knows about loans.
export * from './assert.ts';
export * from './canonical-json.ts';
export * from './clock.ts';
export * from './crypto.ts';
export * from './errors.ts';
export * from './html.ts';
export * from './ids.ts';
export * from './money.ts';
export * from './random.ts';
export * from './secure-random.ts';
