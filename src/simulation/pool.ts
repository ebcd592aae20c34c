// Growable struct-of-arrays records linked per customer, for the market's registers (ADR 0053:
// typed arrays, no object per record): the exposure register, platform loans, direct loans.
/** A growable pool of fixed-width records, linked per customer (the exposure register, loans). */
export class Pool {
  head: Int32Array;
  next = new Int32Array(1024);
  funder = new Int16Array(1024);
  day = new Int16Array(1024);
  flag = new Uint8Array(1024);
  /** an amount in fen (loans), or 0 */
  amount = new Int32Array(1024);
  size = 0;

  constructor(customers: number) {
    this.head = new Int32Array(customers).fill(-1);
  }

  add(customer: number, funder: number, day: number, flag: number, amount = 0): number {
    if (this.size === this.next.length) this.grow();
    const i = this.size++;
    this.next[i] = this.head[customer]!;
    this.funder[i] = funder;
    this.day[i] = day;
    this.flag[i] = flag;
    this.amount[i] = amount;
    this.head[customer] = i;
    return i;
  }

  private grow(): void {
    const size = this.next.length * 2;
    const grow = <T extends Int32Array | Int16Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.next = grow(this.next, (n) => new Int32Array(n));
    this.funder = grow(this.funder, (n) => new Int16Array(n));
    this.day = grow(this.day, (n) => new Int16Array(n));
    this.flag = grow(this.flag, (n) => new Uint8Array(n));
    this.amount = grow(this.amount, (n) => new Int32Array(n));
  }
}
