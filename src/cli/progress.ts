/**
 * Progress on stderr, never stdout: a bar with rate and time left on a terminal, a plain line
 * every few seconds otherwise (logs, CI), nothing with --quiet.
 */
export interface Progress {
  /** set total work (units: rows, bytes, trees…) */
  start(label: string, total?: number, unit?: string): void;
  update(done: number, total?: number): void;
  done(message?: string): void;
  /** a one-off line (warnings, stage names) */
  note(message: string): void;
}

export function createProgress(opts: { quiet?: boolean; stream?: NodeJS.WriteStream } = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  if (opts.quiet) return { start() {}, update() {}, done() {}, note() {} };
  const tty = Boolean(stream.isTTY);
  let label = '';
  let total: number | undefined;
  let unit = '';
  let t0 = 0;
  let lastDraw = 0;
  let lastDone = 0;
  let drawn = false;

  const fmt = (n: number): string => {
    if (unit === 'bytes') {
      const u = ['B', 'KB', 'MB', 'GB', 'TB'];
      let i = 0;
      while (n >= 1024 && i < u.length - 1) {
        n /= 1024;
        i++;
      }
      return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
    }
    return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${(n / 1e3).toFixed(0)}k` : String(Math.round(n));
  };
  const draw = (done: number, final = false): void => {
    const now = Date.now();
    if (!final && now - lastDraw < (tty ? 100 : 5000)) return;
    lastDraw = now;
    const secs = (now - t0) / 1000;
    const rate = secs > 0 ? done / secs : 0;
    const rateText = rate > 0 ? `${fmt(rate)}${unit === 'bytes' ? '' : ' ' + unit}/s` : '';
    let line: string;
    if (total && total > 0) {
      const f = Math.min(1, done / total);
      const left = rate > 0 ? Math.max(0, (total - done) / rate) : NaN;
      const eta = Number.isFinite(left) ? ` ${formatSeconds(left)} left` : '';
      if (tty) {
        const width = 24;
        const fill = Math.round(f * width);
        line = `${label} [${'#'.repeat(fill)}${'.'.repeat(width - fill)}] ${(f * 100).toFixed(0)}% ${fmt(done)}/${fmt(total)} ${rateText}${final ? '' : eta}`;
      } else line = `${label}: ${(f * 100).toFixed(0)}% (${fmt(done)}/${fmt(total)}) ${rateText}${final ? '' : eta}`;
    } else line = `${label}: ${fmt(done)}${unit && unit !== 'bytes' ? ` ${unit}` : ''}${rateText ? ` ${rateText}` : ''}`; // fmt gives bytes their own unit (336 B, 1.2 MB)
    if (tty) {
      stream.write(`\r\x1b[2K${line}`);
      drawn = true;
    } else stream.write(line + '\n');
  };
  return {
    start(l, t, u = '') {
      label = l;
      total = t;
      unit = u;
      t0 = Date.now();
      lastDraw = 0;
      lastDone = 0;
    },
    update(d, t) {
      if (t !== undefined) total = t;
      lastDone = d;
      draw(d);
    },
    done(message) {
      if (tty && drawn) stream.write('\r\x1b[2K');
      drawn = false;
      const secs = (Date.now() - t0) / 1000;
      stream.write(`${message ?? `${label}: done`}${secs >= 0.05 ? ` (${formatSeconds(secs)})` : ''}\n`);
      void lastDone;
    },
    note(message) {
      if (tty && drawn) stream.write('\r\x1b[2K');
      drawn = false;
      stream.write(message + '\n');
    },
  };
}

export function formatSeconds(s: number): string {
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 120) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  return `${m} min ${Math.round(s - m * 60)} s`;
}
