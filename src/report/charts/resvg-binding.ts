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
type NativeRenderAsync = (svg: string | Buffer, options?: string | null) => Promise<RenderedImage>;
type RenderedImage = ReturnType<ResvgClass['render']>;

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

function loadNative(): { Resvg: NativeResvg; renderAsync: NativeRenderAsync } | undefined {
  if (process.platform !== 'linux' || process.arch !== 'x64' || !onGlibc()) return undefined;
  try {
    // resolved as resvg-js's loader resolves it: from that package's folder
    const fromResvg = createRequire(require.resolve('@resvg/resvg-js'));
    return fromResvg('@resvg/resvg-js-linux-x64-gnu') as { Resvg: NativeResvg; renderAsync: NativeRenderAsync };
  } catch {
    return undefined;
  }
}

type ResvgPackage = {
  Resvg: new (svg: string, options?: ResvgRenderOptions) => ResvgClass;
  renderAsync: (svg: string, options?: ResvgRenderOptions) => Promise<RenderedImage>;
};

function loadResvg(): ResvgPackage {
  const native = loadNative();
  if (!native) return require('@resvg/resvg-js') as ResvgPackage;
  const Native = native.Resvg;
  // what the package's index.js does: the options as JSON
  return {
    Resvg: class extends Native {
      constructor(svg: string, options?: ResvgRenderOptions) {
        super(svg, JSON.stringify(options));
      }
    } as unknown as ResvgPackage['Resvg'],
    renderAsync: (svg, options) => native.renderAsync(svg, JSON.stringify(options)),
  };
}

const resvg = loadResvg();
export const Resvg = resvg.Resvg;
/**
 * `new Resvg(svg, options).render()` (the same pixels) run on libuv's thread pool: parsing the SVG,
 * laying out its text and drawing it (~30 ms of CPU for analyze's risk chart) leave the calling
 * thread free without the cost of starting a worker thread.
 */
export const renderAsync = resvg.renderAsync;
