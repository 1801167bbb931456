/**
 * A block of float32 memory shared by JavaScript (as Float32Array views) and the wasm SIMD
 * kernels (as byte offsets), handed out by a bump allocator.
 *
 * Sized once, up front: growing a wasm memory detaches every JavaScript view of the old buffer,
 * and a training loop that holds views must never see that. Callers add up what they need (the
 * `F32Arena.bytesFor` helper rounds each piece to 16 bytes) and create the arena with room for it.
 * There is no free(): an arena lives as long as one training run or one scoring call.
 *
 * With `shared: true` the memory is a SharedArrayBuffer, so worker threads can instantiate the
 * same kernels on the same parameters and batches.
 */
import { instantiateKernels, MAX_PAGES, type SimdKernels } from './simd-kernels.js';
import { wasm, type WasmMemory } from './wasm-runtime.js';

export interface F32Block {
  /** byte offset in the arena, for the kernels */
  readonly ptr: number;
  /** float count */
  readonly length: number;
  /** view for JavaScript */
  readonly view: Float32Array;
}

const PAGE = 65536;

export class F32Arena {
  readonly memory: WasmMemory;
  readonly kernels: SimdKernels;
  readonly shared: boolean;
  private top = 16; // keep 0 free so a null pointer (0) means "no bias/mask"

  private constructor(memory: WasmMemory, shared: boolean, top?: number) {
    this.memory = memory;
    this.shared = shared;
    this.kernels = instantiateKernels(memory, shared);
    if (top !== undefined) this.top = top;
  }

  /** Bytes an allocation of `floats` takes (rounded to 16 so every block is v128-aligned). */
  static bytesFor(floats: number): number {
    return (floats * 4 + 15) & ~15;
  }

  /** An arena with room for at least `bytes` bytes of blocks. */
  static create(bytes: number, options: { shared?: boolean } = {}): F32Arena {
    const shared = options.shared ?? false;
    const pages = Math.ceil((bytes + 64) / PAGE);
    if (pages > MAX_PAGES) throw new RangeError(`F32Arena: ${bytes} bytes is more than the kernels can address (1 GiB)`);
    const memory = new wasm.Memory({ initial: pages, maximum: MAX_PAGES, shared });
    return new F32Arena(memory, shared);
  }

  /** Another thread's handle on the same shared memory (its own kernel instance). */
  static attach(memory: WasmMemory): F32Arena {
    return new F32Arena(memory, true, Number.MAX_SAFE_INTEGER);
  }

  get capacity(): number {
    return this.memory.buffer.byteLength;
  }

  get used(): number {
    return this.top;
  }

  /** A zeroed block of `floats` float32 values. */
  alloc(floats: number): F32Block {
    const bytes = F32Arena.bytesFor(floats);
    if (this.top + bytes > this.capacity) {
      throw new RangeError(`F32Arena: out of room (${this.top + bytes} > ${this.capacity} bytes); size it with bytesFor`);
    }
    const ptr = this.top;
    this.top += bytes;
    return { ptr, length: floats, view: new Float32Array(this.memory.buffer, ptr, floats) };
  }

  /** A view of a block allocated by another thread's arena on the same memory. */
  view(ptr: number, length: number): F32Block {
    return { ptr, length, view: new Float32Array(this.memory.buffer, ptr, length) };
  }
}
