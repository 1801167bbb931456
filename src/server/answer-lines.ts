/**
 * POST /v1/predict's answer lines for a classifier, written as bytes into one Buffer per batch
 * instead of a string built line by line (which the response then encodes again):
 *
 *   {"line":N,"prediction":"DoS","probability":0.99,"score":0.99}
 *
 * Numbers are written as String(Math.round(x * 1e6) / 1e6) writes them, digit by digit: for
 * n = Math.round(x * 1e6) in [0, 1e6] that text is "0", "1" or "0." and n's six digits without
 * trailing zeros (n / 1e6 is the double nearest the decimal n x 10^-6, and no shorter decimal
 * reaches it, so it is the shortest round-trip form JavaScript prints). Anything else (a detector's
 * score above 1, NaN) goes through String, so the text is always the one the string path made.
 */

export interface AnswerLayout {
  /** `{"line":` etc., per class `,"prediction":"C","probability":` */
  readonly head: Buffer;
  readonly perClass: readonly Buffer[];
  readonly score: Buffer;
  /** longest class text, for sizing */
  readonly longest: number;
  /** the same texts as little-endian 32-bit words, the last one padded (see putWords) */
  readonly headWords: Int32Array;
  readonly perClassWords: readonly Int32Array[];
  readonly scoreWords: Int32Array;
}

/** b's bytes four at a time (little-endian), zero-padded to a whole word */
function wordsOf(b: Buffer): Int32Array {
  const padded = Buffer.alloc(Math.ceil(b.length / 4) * 4);
  b.copy(padded);
  return Int32Array.from({ length: padded.length / 4 }, (_, i) => padded.readInt32LE(4 * i));
}

export function answerLayout(unit: string, classes: readonly string[]): AnswerLayout {
  const perClass = classes.map((c) => Buffer.from(`,"prediction":${JSON.stringify(c)},"probability":`));
  const head = Buffer.from(`{"${unit}":`);
  const score = Buffer.from(',"score":');
  return { head, perClass, score, longest: Math.max(0, ...perClass.map((b) => b.length)), headWords: wordsOf(head), perClassWords: perClass.map(wordsOf), scoreWords: wordsOf(score) };
}

/**
 * Writes text b (as its words w) at o, four bytes a store; the padding after b's last byte lands
 * in bytes the next write overwrites (every line ends with more bytes after its last text, and the
 * buffer has 3 bytes to spare), returns the end of b.
 */
function putWords(dv: DataView, o: number, w: Int32Array, length: number): number {
  for (let i = 0; i < w.length; i++) dv.setInt32(o + 4 * i, w[i], true);
  return o + length;
}

/** writes the integer v >= 0 at o, returns the end */
function writeInt(out: Buffer, o: number, v: number): number {
  if (v < 10) {
    out[o] = 48 + v;
    return o + 1;
  }
  if (v > 0x7fffffff) return o + out.write(String(v), o, 'latin1');
  let digits = 1;
  for (let t = v; t >= 10; t = (t / 10) | 0) digits++;
  let e = o + digits;
  for (let t = v | 0; e > o; ) {
    const q = (t / 10) | 0;
    out[--e] = 48 + t - 10 * q;
    t = q;
  }
  return o + digits;
}

/** writes String(Math.round(x * 1e6) / 1e6) at o, returns the end */
export function writeRounded6(out: Buffer, o: number, x: number): number {
  const n = Math.round(x * 1e6);
  if (n > 0 && n < 1e6) {
    out[o] = 48; // 0
    out[o + 1] = 46; // .
    let t = n | 0;
    for (let p = o + 7; p >= o + 2; p--) {
      const q = (t / 10) | 0;
      out[p] = 48 + t - 10 * q;
      t = q;
    }
    let end = o + 8;
    while (out[end - 1] === 48) end--;
    return end;
  }
  if (n === 0) {
    out[o] = 48;
    return o + 1;
  }
  if (n === 1e6) {
    out[o] = 49;
    return o + 1;
  }
  return o + out.write(String(n / 1e6), o, 'latin1');
}

/**
 * The answer lines of n rows: where[i] is the record's number, predicted[i] its class, proba its
 * probabilities (rows x k), score 1 - P(normal) when known.
 */
export function writeAnswers(L: AnswerLayout, n: number, where: ArrayLike<number>, predicted: Int32Array, proba: Float64Array, k: number, score: Float64Array | undefined): Buffer {
  // head + 10 digits + class text + up to 24 per number (String of an odd double) + score text + "}\n"
  const per = L.head.length + 10 + L.longest + 24 + L.score.length + 24 + 2;
  const out = Buffer.allocUnsafe(n * per + 3);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const headLength = L.head.length;
  const scoreLength = L.score.length;
  let o = 0;
  for (let i = 0; i < n; i++) {
    o = putWords(dv, o, L.headWords, headLength);
    o = writeInt(out, o, where[i]);
    const c = predicted[i];
    o = putWords(dv, o, L.perClassWords[c], L.perClass[c].length);
    o = writeRounded6(out, o, proba[i * k + c]);
    if (score) {
      o = putWords(dv, o, L.scoreWords, scoreLength);
      o = writeRounded6(out, o, score[i]);
    }
    out[o++] = 125; // }
    out[o++] = 10;
  }
  return out.subarray(0, o);
}
