/**
 * The WebAssembly side of GBDT training: the compiled kernels (gbdt-kernels.wat) and the one
 * shared linear memory they work in. Every array a kernel touches (bins, row ids, gradients,
 * histograms) is carved out of that memory by a bump allocator, and JS reads and writes the same
 * bytes through typed-array views. The memory is always `shared`: growing a shared memory never
 * detaches the views already handed out, and a helper thread can run the same kernels on it.
 */
import { GBDT_KERNELS_WASM } from './gbdt-kernels-wasm';
import { TreeModelError } from './tree-errors';

/** histAll's arguments: where the histogram, bins, offsets, rows, gradients and staging are. */
type HistArgs = [
  hist: number,
  rm: number,
  offs: number,
  rows: number,
  m: number,
  p: number,
  gh: number,
  stage: number,
];

/** The kernels' exports; every pointer is a byte offset into the memory. */
export interface GbdtKernels {
  histAll(...args: HistArgs): void;
  histSome(...args: [...HistArgs, feats: number, nf: number]): void;
  partition(rows: number, m: number, col: number, table: number, scratch: number): number;
  sumParts(dst: number, src: number, stride: number, count: number, nBytes: number): void;
  subtract(dst: number, src: number, nBytes: number): void;
  zero(dst: number, nBytes: number): void;
  histSparse(
    hist: number,
    begin: number,
    end: number,
    ent: number,
    rows: number,
    m: number,
    gh: number,
    /** Where to store the rows' (ΣG, ΣH) as an f64 pair; 0: not wanted. */
    sum: number,
  ): void;
  /** `histSparse` over scattered rows, staged through `stage` a batch at a time. */
  histSparseBatched(...args: [...Parameters<GbdtKernels['histSparse']>, stage: number]): void;
}

/** Rows per staging batch in the kernels ($BATCH). */
export const KERNEL_BATCH = 64;
const PAGE = 65_536;
/** 4 GiB, the most a 32-bit memory can address; only what is used is ever committed. */
const MAX_PAGES = 65_536;
const ALIGN = 64;

let compiled: WebAssembly.Module | null = null;

/** The compiled kernels (compiled once per process, then shared by every memory and thread). */
export function kernelModule(): WebAssembly.Module {
  compiled ??= new WebAssembly.Module(Buffer.from(GBDT_KERNELS_WASM, 'base64'));
  return compiled;
}

export function instantiateKernels(memory: WebAssembly.Memory): GbdtKernels {
  const instance = new WebAssembly.Instance(kernelModule(), { env: { memory } });
  return instance.exports as unknown as GbdtKernels;
}

/** Bytes per row of row-major u8 bins: p rounded up to 16 (see the .wat). */
export function rowStride(p: number): number {
  return (p + 15) & ~15;
}

/** Bytes of staging area one thread needs for rows of p features (see the .wat). */
export function stageBytes(p: number): number {
  return KERNEL_BATCH * (2 * rowStride(p) + 16);
}

export class KernelMemory {
  readonly memory: WebAssembly.Memory;
  readonly k: GbdtKernels;
  /** Address 0 stays unused, so a zero offset is never a live array. */
  private top = ALIGN;

  constructor(expectedBytes: number) {
    this.memory = new WebAssembly.Memory({
      initial: Math.min(MAX_PAGES, Math.ceil((expectedBytes + 2 * ALIGN) / PAGE) + 1),
      maximum: MAX_PAGES,
      shared: true,
    });
    this.k = instantiateKernels(this.memory);
  }

  /** Reserves `bytes` (64-byte aligned) and returns their offset; grows the memory when needed. */
  alloc(bytes: number): number {
    const at = Math.ceil(this.top / ALIGN) * ALIGN;
    const end = at + bytes;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      try {
        this.memory.grow(pages);
      } catch {
        throw new TreeModelError(
          'TOO_LARGE',
          `Tree training needs ${Math.ceil(end / 2 ** 20)} MB of working memory, more than the ` +
            `${(MAX_PAGES * PAGE) / 2 ** 30} GB a WebAssembly memory can hold (or the machine has free).`,
          'Train on fewer rows (a time window or a sample), fewer features or fewer bins.',
        );
      }
    }
    this.top = end;
    return at;
  }

  f64(at: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, at, length);
  }

  u32(at: number, length: number): Uint32Array {
    return new Uint32Array(this.memory.buffer, at, length);
  }

  u16(at: number, length: number): Uint16Array {
    return new Uint16Array(this.memory.buffer, at, length);
  }

  u8(at: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, at, length);
  }
}
