/**
 * Where an analysis spends its time, by phase (wall milliseconds): `analyze --timings` prints it on
 * stderr and in --json (with the whole command's wall and CPU time), the bench reports it. Phases
 * add up when a stage runs once per batch.
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

  /**
   * One line per phase, aligned, with its share of `total` (wall), then the total and, when given,
   * the process's CPU time (user + system, every thread: the chart worker and the garbage
   * collector's helpers too). On a loaded machine wall time grows with the load; CPU time much less.
   */
  format(total: number, cpu?: number): string {
    const rows = [...this.ms.entries()];
    const w = Math.max(...rows.map(([k]) => k.length), 'cpu (user+sys)'.length);
    const lines = rows.map(([k, v]) => `  ${k.padEnd(w)} ${v.toFixed(0).padStart(7)} ms ${((100 * v) / total).toFixed(1).padStart(5)} %`);
    const tail = [`  ${'total'.padEnd(w)} ${total.toFixed(0).padStart(7)} ms`];
    if (cpu !== undefined) tail.push(`  ${'cpu (user+sys)'.padEnd(w)} ${cpu.toFixed(0).padStart(7)} ms`);
    return [`timings (wall):`, ...lines, ...tail].join('\n');
  }
}

/** CPU time of the whole process so far (user + system, all threads), in milliseconds. */
export function processCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
