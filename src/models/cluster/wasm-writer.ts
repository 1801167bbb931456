/**
 * Just enough of a WebAssembly binary writer to emit our few numeric kernels at run time: one
 * module, imported memory, functions with i32/f64/v128 locals, and the opcodes we use by name.
 *
 * Why WebAssembly at all: pairwise-distance work (the exact silhouette is n^2/2 dot products) runs
 * about 4x faster with 128-bit SIMD (two float64 lanes, and a 4x4 register tile the JIT cannot
 * form from plain JavaScript) than with the best typed-array loop we measured (7.3 against 1.7
 * billion multiply-adds per second per core). Why written by hand and not compiled from C or
 * Rust: no toolchain at install time, no opaque binary blob in the repository; the kernel is
 * generated from readable TypeScript (see distance-kernel.ts).
 *
 * What it deliberately does not do: validation (WebAssembly.Module does that), tables, globals,
 * data segments, multiple memories, or any opcode we do not use. (linalg/wasm-assembler.ts is its
 * float32 sibling for the neural kernels; this one speaks float64, which the distance sums need.)
 */

export const I32 = 0x7f;
export const F64 = 0x7c;
export const V128 = 0x7b;
export type ValType = typeof I32 | typeof F64 | typeof V128;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n !== 0) b |= 0x80;
    out.push(b);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (b & 0x40) === 0) || (n === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

function name(s: string): number[] {
  const bytes = [...Buffer.from(s, 'utf8')];
  return [...uleb(bytes.length), ...bytes];
}

function section(id: number, body: number[]): number[] {
  return [id, ...uleb(body.length), ...body];
}

function vector(items: number[][]): number[] {
  return [...uleb(items.length), ...items.flat()];
}

/** Code for one function body; each method appends one instruction and returns this. */
export class Code {
  readonly bytes: number[] = [];
  private op(...b: number[]): this {
    for (const x of b) this.bytes.push(x);
    return this;
  }
  private simd(code: number, ...imm: number[]): this {
    return this.op(0xfd, ...uleb(code), ...imm);
  }
  // control
  block(): this { return this.op(0x02, 0x40); }
  loop(): this { return this.op(0x03, 0x40); }
  if(): this { return this.op(0x04, 0x40); }
  end(): this { return this.op(0x0b); }
  br(depth: number): this { return this.op(0x0c, ...uleb(depth)); }
  brIf(depth: number): this { return this.op(0x0d, ...uleb(depth)); }
  select(): this { return this.op(0x1b); }
  // locals
  get(i: number): this { return this.op(0x20, ...uleb(i)); }
  set(i: number): this { return this.op(0x21, ...uleb(i)); }
  tee(i: number): this { return this.op(0x22, ...uleb(i)); }
  // i32
  i32(v: number): this { return this.op(0x41, ...sleb(v | 0)); }
  i32Load(offset = 0): this { return this.op(0x28, 2, ...uleb(offset)); }
  i32Add(): this { return this.op(0x6a); }
  i32Sub(): this { return this.op(0x6b); }
  i32Mul(): this { return this.op(0x6c); }
  i32Shl(): this { return this.op(0x74); }
  i32Ne(): this { return this.op(0x47); }
  i32LtU(): this { return this.op(0x49); }
  i32GtU(): this { return this.op(0x4b); }
  i32GeU(): this { return this.op(0x4f); }
  // f64
  f64Load(offset = 0): this { return this.op(0x2b, 3, ...uleb(offset)); }
  f64Store(offset = 0): this { return this.op(0x39, 3, ...uleb(offset)); }
  f64Add(): this { return this.op(0xa0); }
  // v128 / f64x2
  v128Load(offset = 0): this { return this.simd(0x00, 4, ...uleb(offset)); }
  v128Load64Splat(offset = 0): this { return this.simd(0x0a, 3, ...uleb(offset)); }
  v128Store(offset = 0): this { return this.simd(0x0b, 4, ...uleb(offset)); }
  v128Zero(): this { return this.simd(0x0c, ...new Array<number>(16).fill(0)); }
  f64x2ExtractLane(lane: 0 | 1): this { return this.simd(0x21, lane); }
  f64x2Sqrt(): this { return this.simd(0xef); }
  f64x2Add(): this { return this.simd(0xf0); }
  f64x2Sub(): this { return this.simd(0xf1); }
  f64x2Mul(): this { return this.simd(0xf2); }
  /** pmax(a, b) = a < b ? b : a */
  f64x2Pmax(): this { return this.simd(0xf7); }
}

export interface FunctionDef {
  readonly name: string;
  readonly params: readonly ValType[];
  /** extra locals, numbered after the params */
  readonly locals: readonly ValType[];
  readonly code: Code;
}

/** A module importing memory "env"."memory" (minimum `pages` of 64 KiB) and exporting `funcs`. */
export function writeModule(funcs: readonly FunctionDef[], pages: number): Uint8Array<ArrayBuffer> {
  const types = funcs.map((f) => [0x60, ...vector(f.params.map((p) => [p])), ...vector([])]);
  const imports = vector([[...name('env'), ...name('memory'), 0x02, 0x00, ...uleb(pages)]]);
  const functions = vector(funcs.map((_, i) => uleb(i)));
  const exports = vector(funcs.map((f, i) => [...name(f.name), 0x00, ...uleb(i)]));
  const bodies = vector(
    funcs.map((f) => {
      // locals as runs of one type
      const runs: number[][] = [];
      for (let i = 0; i < f.locals.length; ) {
        let j = i;
        while (j < f.locals.length && f.locals[j] === f.locals[i]) j++;
        runs.push([...uleb(j - i), f.locals[i]]);
        i = j;
      }
      const body = [...vector(runs), ...f.code.bytes, 0x0b];
      return [...uleb(body.length), ...body];
    }),
  );
  return new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    ...section(1, vector(types)),
    ...section(2, imports),
    ...section(3, functions),
    ...section(7, exports),
    ...section(10, bodies),
  ]);
}
