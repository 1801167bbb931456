/**
 * Where an analysis spends its time, by phase (wall milliseconds): `analyze --timings` prints it on
 * stderr and in --json, the bench reports it. Phases add up when a stage runs once per batch.
 */
export class Timings {
  private readonly ms = new Map<string, number>();

  add(name: string, ms: number): void {
    this.ms.set(name, (this.ms.get(name) ?? 0) + ms);
  }

  async time<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const t = performance.now();
    try {
      return await fn();
    } finally {
      this.add(name, performance.now() - t);
    }
  }

  timeSync<T>(name: string, fn: () => T): T {
    const t = performance.now();
    try {
      return fn();
    } finally {
      this.add(name, performance.now() - t);
    }
  }

  /** phase → milliseconds (rounded to 0.1), in the order first seen */
  toJSON(): Record<string, number> {
    const o: Record<string, number> = {};
    for (const [k, v] of this.ms) o[k] = Math.round(v * 10) / 10;
    return o;
  }

  /** one line per phase, aligned, with its share of `total` */
  format(total: number): string {
    const rows = [...this.ms.entries()];
    const w = Math.max(...rows.map(([k]) => k.length), 5);
    const lines = rows.map(([k, v]) => `  ${k.padEnd(w)} ${v.toFixed(0).padStart(7)} ms ${((100 * v) / total).toFixed(1).padStart(5)} %`);
    return [`timings (wall):`, ...lines, `  ${'total'.padEnd(w)} ${total.toFixed(0).padStart(7)} ms`].join('\n');
  }
}
