/**
 * A stream worker's running totals on stderr, offered every second. On a terminal each is written
 * (the line is the live view); in a log (stderr not a TTY: docker logs, journald, a file) a line
 * is written when the totals changed and at least `minGapMs` passed since the last one, and
 * otherwise once every `idleMs`, so an idle worker no longer writes the same line every second
 * (86,400 a day) and a busy one writes at most one a `minGapMs`.
 */
export interface ProgressLineOptions {
  readonly tty: boolean;
  /** least time between two lines in a log, when the totals changed (default 10 s) */
  readonly minGapMs?: number;
  /** a line anyway this often in a log, when nothing changed (default 5 min: the worker is alive) */
  readonly idleMs?: number;
  readonly now?: () => number;
}

/** `offer(line, totals)`: `totals` is what counts as a change (the line also holds the elapsed time). */
export function progressLines(write: (line: string) => void, o: ProgressLineOptions): (line: string, totals: string) => void {
  const now = o.now ?? Date.now;
  const minGap = o.minGapMs ?? 10_000;
  const idle = o.idleMs ?? 300_000;
  let lastAt = -Infinity;
  let lastTotals: string | undefined;
  return (line, totals) => {
    const t = now();
    if (!o.tty && t - lastAt < (totals === lastTotals ? idle : minGap)) return;
    lastAt = t;
    lastTotals = totals;
    write(line);
  };
}
