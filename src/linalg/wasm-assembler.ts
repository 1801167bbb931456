/**
 * A very small WebAssembly assembler: just enough of the binary format (types, one imported
 * memory, functions, exports, and the scalar and 128-bit SIMD instructions our kernels use) to
 * emit our kernels from TypeScript: the dense f32 kernels of simd-kernels.ts, the isolation forest's
 * scorer and the silhouette's f64 distance sums (models/cluster/distance-kernel.ts).
 *
 * Why write one: the hot loops of neural-network training want f32x4 SIMD, which JavaScript
 * cannot express and V8 does not auto-vectorise, while Node 20 runs wasm SIMD natively. No wasm
 * toolchain (clang, wat2wasm, binaryen) may be installed at build or install time, and shipping an
 * opaque blob of bytes would be unreadable; generating the bytes from named instructions keeps the
 * kernels reviewable and lets TypeScript unroll the micro-kernels for us.
 *
 * What it deliberately is not: a general assembler. No tables, globals, data segments, multi-value
 * blocks or validation of our own (WebAssembly.Module validates, and the kernel tests compare
 * every kernel against a naive reference). Only the opcodes listed in `op` and `simd` exist.
 */

/** Value types (a plain object rather than a const enum, so any TypeScript transpiler works). */
export const ValType = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b } as const;
export type ValType = (typeof ValType)[keyof typeof ValType];

/** Scalar opcodes (core spec numbering). */
export const op = {
  block: 0x02,
  loop: 0x03,
  if: 0x04,
  else: 0x05,
  end: 0x0b,
  br: 0x0c,
  brIf: 0x0d,
  return: 0x0f,
  drop: 0x1a,
  select: 0x1b,
  localGet: 0x20,
  localSet: 0x21,
  localTee: 0x22,
  i32Load: 0x28,
  f32Load: 0x2a,
  f64Load: 0x2b,
  f32Store: 0x38,
  f64Store: 0x39,
  i32Const: 0x41,
  f32Const: 0x43,
  f64Const: 0x44,
  i32Eqz: 0x45,
  i32Eq: 0x46,
  i32Ne: 0x47,
  i32LtS: 0x48,
  i32LtU: 0x49,
  i32GtS: 0x4a,
  i32GtU: 0x4b,
  i32LeS: 0x4c,
  i32GeS: 0x4e,
  i32GeU: 0x4f,
  f32Gt: 0x5e,
  i32Add: 0x6a,
  i32Sub: 0x6b,
  i32Mul: 0x6c,
  i32And: 0x71,
  i32Shl: 0x74,
  i32ShrU: 0x76,
  f32Sqrt: 0x91,
  f32Add: 0x92,
  f32Sub: 0x93,
  f32Mul: 0x94,
  f32Div: 0x95,
  f32Max: 0x97,
  f64Ne: 0x62,
  f64Add: 0xa0,
  f64Sub: 0xa1,
  f64Mul: 0xa2,
} as const;

/** SIMD opcodes (after the 0xfd prefix). */
export const simd = {
  v128Load: 0x00,
  v128Load32Splat: 0x09,
  v128Load64Splat: 0x0a,
  v128Store: 0x0b,
  v128Const: 0x0c,
  f32x4Splat: 0x13,
  f32x4ExtractLane: 0x1f,
  f64x2ExtractLane: 0x21,
  f32x4Gt: 0x44,
  v128And: 0x4e,
  f32x4Sqrt: 0xe3,
  f32x4Add: 0xe4,
  f32x4Sub: 0xe5,
  f32x4Mul: 0xe6,
  f32x4Div: 0xe7,
  f32x4Min: 0xe8,
  f32x4Max: 0xe9,
  /** pseudo-min/max: b < a ? b : a, one minps/maxps on x64, unlike min/max's NaN-exact sequences */
  f32x4Pmin: 0xea,
  f32x4Pmax: 0xeb,
  f32x4Nearest: 0x6a,
  i32x4Shl: 0xab,
  i32x4Add: 0xae,
  i32x4TruncSatF32x4S: 0xf8,
  f64x2Sqrt: 0xef,
  f64x2Add: 0xf0,
  f64x2Sub: 0xf1,
  f64x2Mul: 0xf2,
  /** pseudo-max: a < b ? b : a */
  f64x2Pmax: 0xf7,
} as const;

function uleb(out: number[], v: number): void {
  let x = v >>> 0;
  do {
    let b = x & 0x7f;
    x >>>= 7;
    if (x !== 0) b |= 0x80;
    out.push(b);
  } while (x !== 0);
}

function sleb(out: number[], v: number): void {
  let x = v | 0;
  for (;;) {
    const b = x & 0x7f;
    x >>= 7;
    if ((x === 0 && (b & 0x40) === 0) || (x === -1 && (b & 0x40) !== 0)) {
      out.push(b);
      return;
    }
    out.push(b | 0x80);
  }
}

const f32Scratch = new Float32Array(1);
const f32Bytes = new Uint8Array(f32Scratch.buffer);

/**
 * The body of one function under construction. Every method appends one instruction and
 * returns `this`, so a kernel reads top to bottom like the text format.
 */
export class FunctionBuilder {
  readonly code: number[] = [];
  private readonly localTypes: ValType[] = [];

  constructor(
    readonly name: string,
    readonly params: readonly ValType[],
    readonly results: readonly ValType[] = [],
  ) {}

  /** Declares a new local and returns its index (parameters come first). */
  local(type: ValType): number {
    this.localTypes.push(type);
    return this.params.length + this.localTypes.length - 1;
  }

  raw(...bytes: number[]): this {
    for (const b of bytes) this.code.push(b);
    return this;
  }

  get(i: number): this {
    this.code.push(op.localGet);
    uleb(this.code, i);
    return this;
  }
  set(i: number): this {
    this.code.push(op.localSet);
    uleb(this.code, i);
    return this;
  }
  tee(i: number): this {
    this.code.push(op.localTee);
    uleb(this.code, i);
    return this;
  }
  i32(v: number): this {
    this.code.push(op.i32Const);
    sleb(this.code, v);
    return this;
  }
  f32(v: number): this {
    this.code.push(op.f32Const);
    f32Scratch[0] = v;
    for (let i = 0; i < 4; i++) this.code.push(f32Bytes[i]);
    return this;
  }
  f64(v: number): this {
    this.code.push(op.f64Const);
    const b = new Uint8Array(Float64Array.of(v).buffer);
    for (let i = 0; i < 8; i++) this.code.push(b[i]);
    return this;
  }
  /** A scalar opcode with no immediate. */
  op(code: number): this {
    this.code.push(code);
    return this;
  }
  /** Scalar load/store with a memory argument (alignment exponent, constant byte offset). */
  mem(code: number, offset = 0, alignLog2 = 2): this {
    this.code.push(code);
    uleb(this.code, alignLog2);
    uleb(this.code, offset);
    return this;
  }
  /** A SIMD opcode with no immediate. */
  v(code: number): this {
    this.code.push(0xfd);
    uleb(this.code, code);
    return this;
  }
  /** A SIMD load/store with a memory argument. */
  vmem(code: number, offset = 0, alignLog2 = 2): this {
    this.v(code);
    uleb(this.code, alignLog2);
    uleb(this.code, offset);
    return this;
  }
  vLane(code: number, lane: number): this {
    this.v(code);
    this.code.push(lane);
    return this;
  }
  /** v128.const with four equal i32 lanes. */
  i32x4(v: number): this {
    this.v(simd.v128Const);
    for (let l = 0; l < 4; l++) for (let i = 0; i < 4; i++) this.code.push((v >>> (8 * i)) & 0xff);
    return this;
  }
  /** v128.const with four equal f32 lanes. */
  f32x4(v: number): this {
    this.v(simd.v128Const);
    f32Scratch[0] = v;
    for (let l = 0; l < 4; l++) for (let i = 0; i < 4; i++) this.code.push(f32Bytes[i]);
    return this;
  }

  /** `local[i] += delta` for an i32 local. */
  addTo(i: number, delta: number | { local: number }): this {
    this.get(i);
    if (typeof delta === 'number') this.i32(delta);
    else this.get(delta.local);
    return this.op(op.i32Add).set(i);
  }

  /**
   * `block { loop { if (!cond) break; body; continue } }`: `cond` pushes an i32 that is nonzero
   * while the loop should run. Inside `body`, branch depth 0 is the loop, 1 the enclosing block.
   */
  whileLoop(cond: () => void, body: () => void): this {
    this.code.push(op.block, 0x40, op.loop, 0x40);
    cond();
    this.code.push(op.i32Eqz, op.brIf, 1);
    body();
    this.code.push(op.br, 0, op.end, op.end);
    return this;
  }

  /** `if (top of stack) { then } else { otherwise }` with no result. */
  ifElse(then: () => void, otherwise?: () => void): this {
    this.code.push(op.if, 0x40);
    then();
    if (otherwise) {
      this.code.push(op.else);
      otherwise();
    }
    this.code.push(op.end);
    return this;
  }

  /** The encoded body: its size, local declarations (run-length grouped), code, end. */
  encodeBody(): Uint8Array {
    const groups: [number, ValType][] = [];
    for (const t of this.localTypes) {
      const last = groups[groups.length - 1];
      if (last && last[1] === t) last[0]++;
      else groups.push([1, t]);
    }
    const locals: number[] = [];
    uleb(locals, groups.length);
    for (const [n, t] of groups) {
      uleb(locals, n);
      locals.push(t);
    }
    const size: number[] = [];
    uleb(size, locals.length + this.code.length + 1);
    return concatBytes([size, locals, this.code, [op.end]]);
  }
}

/**
 * Byte runs one after another in one array, each copied by TypedArray.set: the assembler ran
 * cold (once per kernel, at a process's first scoring) and copied a kernel's ~17 KB byte by byte
 * through three arrays (body, code section, module): 19 ms of CPU on a busy machine, now under 1 ms
 * (the same bytes).
 */
function concatBytes(parts: readonly ArrayLike<number>[]): Uint8Array<ArrayBuffer> {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** A section: its id, its size and its payload, as parts of the module (concatBytes joins them). */
function section(out: ArrayLike<number>[], id: number, payload: ArrayLike<number>): void {
  const head = [id];
  uleb(head, payload.length);
  out.push(head, payload);
}

function name(out: number[], s: string): void {
  const bytes = new TextEncoder().encode(s);
  uleb(out, bytes.length);
  for (const b of bytes) out.push(b);
}

/**
 * A module whose only import is `env.memory` (so JavaScript owns the memory and can view it as
 * typed arrays) and whose functions are all exported by name.
 */
export function assembleModule(
  functions: readonly FunctionBuilder[],
  memory: { initialPages: number; maximumPages: number; shared: boolean },
): Uint8Array<ArrayBuffer> {
  const out: ArrayLike<number>[] = [[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]];

  const types: number[] = [];
  uleb(types, functions.length);
  for (const f of functions) {
    types.push(0x60);
    uleb(types, f.params.length);
    for (const p of f.params) types.push(p);
    uleb(types, f.results.length);
    for (const r of f.results) types.push(r);
  }
  section(out, 1, types);

  const imports: number[] = [];
  uleb(imports, 1);
  name(imports, 'env');
  name(imports, 'memory');
  imports.push(0x02, memory.shared ? 0x03 : 0x01);
  uleb(imports, memory.initialPages);
  uleb(imports, memory.maximumPages);
  section(out, 2, imports);

  const funcs: number[] = [];
  uleb(funcs, functions.length);
  for (let i = 0; i < functions.length; i++) uleb(funcs, i);
  section(out, 3, funcs);

  const exports: number[] = [];
  uleb(exports, functions.length);
  for (let i = 0; i < functions.length; i++) {
    name(exports, functions[i].name);
    exports.push(0x00);
    uleb(exports, i);
  }
  section(out, 7, exports);

  const count: number[] = [];
  uleb(count, functions.length);
  section(out, 10, concatBytes([count, ...functions.map((f) => f.encodeBody())]));

  return concatBytes(out);
}
