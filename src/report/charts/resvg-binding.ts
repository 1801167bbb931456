/**
 * resvg's native class without the cost of @resvg/resvg-js's loader: to pick its binary on Linux,
 * that loader asks `process.report.getReport()` whether libc is glibc, a whole diagnostic report
 * (~5 ms of CPU, ~13 ms wall) on the risk chart's thread in every analyze run. On glibc Linux x64
 * (the binary this package ships for it, resolved from resvg-js's own folder as its loader does)
 * we load that binary directly, knowing glibc from the libraries this process has mapped; anywhere
 * else, or if that fails, the package's loader as before. The class behaves as the package's:
 * options given as an object, turned into the JSON the native constructor takes.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Resvg as ResvgClass, ResvgRenderOptions } from '@resvg/resvg-js';

type NativeResvg = new (svg: string | Buffer, options?: string | null) => ResvgClass;

const require = createRequire(import.meta.url);

/** true when this process runs on glibc: its libc.so.6 is mapped (musl maps ld-musl instead) */
function onGlibc(): boolean {
  try {
    const maps = readFileSync('/proc/self/maps', 'latin1');
    return maps.includes('/libc.so.6') && !maps.includes('musl');
  } catch {
    return false;
  }
}

function loadNative(): NativeResvg | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64' || !onGlibc()) return undefined;
  try {
    // resolved as resvg-js's loader resolves it: from that package's folder
    const fromResvg = createRequire(require.resolve('@resvg/resvg-js'));
    return (fromResvg('@resvg/resvg-js-linux-x64-gnu') as { Resvg: NativeResvg }).Resvg;
  } catch {
    return undefined;
  }
}

function loadResvg(): new (svg: string, options?: ResvgRenderOptions) => ResvgClass {
  const Native = loadNative();
  if (!Native) return (require('@resvg/resvg-js') as { Resvg: new (svg: string, options?: ResvgRenderOptions) => ResvgClass }).Resvg;
  // what the package's index.js does: the options as JSON
  return class extends Native {
    constructor(svg: string, options?: ResvgRenderOptions) {
      super(svg, JSON.stringify(options));
    }
  } as unknown as new (svg: string, options?: ResvgRenderOptions) => ResvgClass;
}

export const Resvg = loadResvg();
