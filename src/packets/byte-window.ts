/**
 * A sliding window over a stream of byte chunks, for the capture readers: records are parsed in
 * place from one reused buffer; bytes already consumed are dropped by moving the unread tail to the
 * front when a new chunk does not fit. Memory is bounded by the largest record plus one chunk, not
 * by the file: a 50 GB capture is read through a few megabytes.
 */
export class ByteWindow {
  buf: Uint8Array;
  /** first unread byte in buf */
  start = 0;
  /** one past the last valid byte in buf */
  end = 0;
  /** absolute stream offset of buf[0] */
  base = 0;

  constructor(capacity = 4 << 20) {
    this.buf = new Uint8Array(capacity);
    // V8 takes a field stored only once for a constant that optimised code may build in; the first
    // later store (the first chunk consumed, the first slide) then throws that code away, and here
    // that code is the capture reader's whole per-packet loop with the decoder, meter and detectors
    // inlined, compiled again. A second value stored now makes them plain variables from the start.
    this.start = this.end = this.base = -1;
    this.start = this.end = this.base = 0;
  }

  get available(): number {
    return this.end - this.start;
  }

  /** Absolute stream offset of the first unread byte. */
  get offset(): number {
    return this.base + this.start;
  }

  push(chunk: Uint8Array): void {
    this.reserve(chunk.length);
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** Move the unread bytes to the front (a reader that keeps its reads small and in cache). */
  compact(): void {
    const unread = this.end - this.start;
    if (this.start === 0) return;
    if (unread > 0) this.buf.copyWithin(0, this.start, this.end);
    this.base += this.start;
    this.start = 0;
    this.end = unread;
  }

  /**
   * Make room for at least `n` more bytes after `end` (dropping consumed bytes, growing only when the
   * unread bytes and `n` do not fit), so a reader can read straight into buf[end ...].
   */
  reserve(n: number): void {
    const unread = this.end - this.start;
    if (this.end + n > this.buf.length) {
      if (unread + n > this.buf.length) {
        let cap = this.buf.length * 2;
        while (cap < unread + n) cap *= 2;
        const nb = new Uint8Array(cap);
        nb.set(this.buf.subarray(this.start, this.end));
        this.buf = nb;
      } else if (unread > 0) this.buf.copyWithin(0, this.start, this.end);
      this.base += this.start;
      this.start = 0;
      this.end = unread;
    }
  }
}
