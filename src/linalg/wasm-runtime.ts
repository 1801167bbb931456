/**
 * The few pieces of the WebAssembly JavaScript API the kernels use, typed here because the
 * project compiles against lib ES2022 + @types/node 20, neither of which declares the
 * `WebAssembly` global (it lives in lib.dom). Typing the handful of members we call, rather than
 * adding a global declaration, cannot clash with lib.dom if the project ever enables it.
 */

export interface WasmMemory {
  readonly buffer: ArrayBuffer | SharedArrayBuffer;
  grow(pages: number): number;
}

export interface WasmModule {
  readonly __wasmModule?: never;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

interface WasmApi {
  Memory: new (d: { initial: number; maximum?: number; shared?: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array<ArrayBuffer>) => WasmModule;
  Instance: new (m: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  validate(bytes: Uint8Array<ArrayBuffer>): boolean;
}

export const wasm: WasmApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
