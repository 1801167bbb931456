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
}

export function answerLayout(unit: string, classes: readonly string[]): AnswerLayout {
  const perClass = classes.map((c) => Buffer.from(`,"prediction":${JSON.stringify(c)},"probability":`));
  return { head: Buffer.from(`{"${unit}":`), perClass, score: Buffer.from(',"score":'), longest: Math.max(0, ...perClass.map((b) => b.length)) };
}

/** a few bytes: a loop beats Buffer.copy's call into C++ */
function put(out: Buffer, o: number, b: Buffer): number {
  for (let i = 0; i < b.length; i++) out[o + i] = b[i];
  return o + b.length;
}

/** writes the integer v >= 0 at o, returns the end */
function writeInt(out: Buffer, o: number, v: number): number {
  if (v < 10) {
    out[o] = 48 + v;
    return o + 1;
  }
  let digits = 1;
  for (let t = v; t >= 10; t = Math.floor(t / 10)) digits++;
  let e = o + digits;
  for (let t = v; e > o; t = Math.floor(t / 10)) out[--e] = 48 + (t % 10);
  return o + digits;
}

/** writes String(Math.round(x * 1e6) / 1e6) at o, returns the end */
export function writeRounded6(out: Buffer, o: number, x: number): number {
  const n = Math.round(x * 1e6);
  if (n > 0 && n < 1e6) {
    out[o] = 48; // 0
    out[o + 1] = 46; // .
    let t = n;
    for (let p = o + 7; p >= o + 2; p--) {
      out[p] = 48 + (t % 10);
      t = (t - (t % 10)) / 10;
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
  const out = Buffer.allocUnsafe(n * per);
  let o = 0;
  for (let i = 0; i < n; i++) {
    o = put(out, o, L.head);
    o = writeInt(out, o, where[i]);
    const c = predicted[i];
    o = put(out, o, L.perClass[c]);
    o = writeRounded6(out, o, proba[i * k + c]);
    if (score) {
      o = put(out, o, L.score);
      o = writeRounded6(out, o, score[i]);
    }
    out[o++] = 125; // }
    out[o++] = 10;
  }
  return out.subarray(0, o);
}
