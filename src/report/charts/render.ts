/**
 * Vega-Lite spec → SVG → PNG, in-process and offline.
 *
 * Vega-Lite compiles the spec to Vega; Vega's headless View (renderer 'none', no canvas package)
 * lays it out and writes SVG; resvg (a Rust SVG renderer shipped as a prebuilt binary inside its
 * npm package) rasterises it. No browser, no network, no native build step at install.
 *
 * Fonts and rasterising live in raster.ts (charts written as SVG directly use them without Vega).
 * The View gets a loader that refuses every URL, so a spec that names remote data or images fails
 * fast instead of reaching out (reports are built on air-gapped sensors too).
 *
 * Deliberately not here: PDF output, interactive HTML (a dashboard takes the spec itself).
 */
import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { UserError } from '../../util/errors.js';
import { writeFileAtomic } from '../../util/atomic-output.js';
import { textWidth } from './font-metrics.js';
import { chartFontWidths, rasterise } from './raster.js';

export { darkPixelCount, rasterise } from './raster.js';

export interface RenderOptions {
  /** whole-picture width in CSS pixels; replaces the spec's width */
  readonly width?: number;
  /** whole-picture height in CSS pixels; replaces the spec's height */
  readonly height?: number;
  /** device pixels per CSS pixel in the PNG (default 2) */
  readonly scale?: number;
}

export interface RenderedPng {
  readonly path?: string;
  /** PNG size in device pixels */
  readonly width: number;
  readonly height: number;
  readonly png: Buffer;
}

/** Vega-Lite's compile warnings, kept instead of printed on the console. */
export interface CompiledChart {
  readonly vega: vega.Spec;
  readonly warnings: readonly string[];
}

/** Compile a Vega-Lite spec to Vega, with the size overrides applied and warnings collected. */
export function compileChart(spec: TopLevelSpec, options: RenderOptions = {}): CompiledChart {
  const sized = withSize(spec, options);
  const warnings: string[] = [];
  const logger = collectingLogger(warnings, (msg) => {
    throw new Error(`chart spec: ${msg}`);
  });
  const out = compile(sized, { logger });
  return { vega: out.spec, warnings };
}

/** The chart as an SVG document (CSS pixel size, no scale). */
export async function renderSvg(spec: TopLevelSpec, options: RenderOptions = {}): Promise<string> {
  const { vega: vg } = compileChart(spec, options);
  installTextMetrics();
  const refused: string[] = [];
  // Vega's runtime warnings (e.g. an empty layer's infinite extent) are kept off stderr
  const runtimeWarnings: string[] = [];
  const view = new vega.View(vega.parse(vg), {
    renderer: 'none',
    loader: offlineLoader(refused),
    logger: collectingLogger(runtimeWarnings, (msg) => runtimeWarnings.push(msg)),
    logLevel: vega.Warn,
  });
  try {
    const svg = await view.toSVG();
    // Vega only warns when a load fails and draws the chart without that data: make it an error
    if (refused.length > 0) {
      throw new UserError(`chart spec asks to load ${refused[0]}; charts are rendered offline, so give the data inline (data.values)`);
    }
    return svg;
  } finally {
    view.finalize();
  }
}

type Logger = NonNullable<vega.ViewOptions['logger']>;

/** A Vega/Vega-Lite logger that keeps warnings in `sink` instead of printing them. */
function collectingLogger(sink: string[], onError: (msg: string) => void): Logger {
  let level = 0;
  const text = (args: unknown[]): string => args.map(String).join(' ');
  const logger = {
    level(l?: number) {
      if (l === undefined) return level;
      level = l;
      return logger;
    },
    error(...args: unknown[]) {
      onError(text(args));
      return logger;
    },
    warn(...args: unknown[]) {
      sink.push(text(args));
      return logger;
    },
    info() {
      return logger;
    },
    debug() {
      return logger;
    },
  };
  return logger as unknown as Logger;
}

/** The chart as PNG bytes, rendered at `scale` (default 2). */
export async function renderPngBuffer(spec: TopLevelSpec, options: RenderOptions = {}): Promise<RenderedPng> {
  const scale = options.scale ?? 2;
  if (!(scale > 0 && scale <= 8)) throw new UserError(`The 'scale' option of renderPng must be in (0, 8]. Got ${scale} instead.`);
  const svg = await renderSvg(spec, options);
  const img = rasterise(svg, scale);
  return { width: img.width, height: img.height, png: img.asPng() };
}

/** Render the chart to a PNG file (folders are created); returns the PNG's pixel size. */
export async function renderPng(spec: TopLevelSpec, path: string, options: RenderOptions = {}): Promise<RenderedPng> {
  const out = await renderPngBuffer(spec, options);
  // atomic: a full disk leaves the old chart or none, never a cut PNG
  await writeFileAtomic(path, out.png, 'chart', { makeDirs: true });
  return { ...out, path };
}

/**
 * A copy with the size overrides applied. Always a copy: Vega tags every data row it ingests with
 * a hidden id, and a caller's spec (kept for a dashboard, compared in a test) must not change.
 */
function withSize(spec: TopLevelSpec, options: RenderOptions): TopLevelSpec {
  const copy = structuredClone(spec);
  if (options.width === undefined && options.height === undefined) return copy;
  for (const [k, v] of [['width', options.width], ['height', options.height]] as const) {
    if (v !== undefined && !(Number.isFinite(v) && v >= 16 && v <= 20000)) {
      throw new UserError(`The '${k}' option of renderPng must be a number of pixels in [16, 20000]. Got ${JSON.stringify(v)} instead.`);
    }
  }
  const out = copy as unknown as Record<string, unknown>;
  if (options.width !== undefined) out.width = Math.round(options.width);
  if (options.height !== undefined) out.height = Math.round(options.height);
  return out as unknown as TopLevelSpec;
}

interface TextItem {
  fontSize?: number;
  fontWeight?: string | number;
  limit?: number;
}

let metricsInstalled = false;

/**
 * Replace Vega's 0.8 em-per-character guess with the real advance widths of the font resvg draws
 * with (see font-metrics.ts). Vega's hook is process-wide; every chart here uses the same font.
 * Without DejaVu we cannot know the font, and 0.6 em is nearer most sans fonts than 0.8.
 */
function installTextMetrics(): void {
  if (metricsInstalled) return;
  const { regular, bold } = chartFontWidths();
  const metrics = (vega as unknown as { textMetrics: { width: (item: TextItem, text: unknown) => number } }).textMetrics;
  metrics.width = (item, text) => {
    const s = text == null ? '' : String(text).trim();
    const size = item.fontSize != null ? +item.fontSize || 0 : 11;
    const w = item.fontWeight;
    const isBold = w === 'bold' || w === 'bolder' || (typeof w === 'number' && w >= 600) || (typeof w === 'string' && +w >= 600);
    const font = isBold ? bold : regular;
    const width = font ? textWidth(font, s, size) : 0.6 * s.length * size;
    // Vega truncates a label longer than its limit with "…" and asks this function both for the
    // full text and for the pieces it tries; capping at the limit gives the truncated label's
    // width to the layout and still lets Vega's search find the cut
    const limit = item.limit ?? 0;
    return limit > 0 ? Math.min(width, limit) : width;
  };
  metricsInstalled = true;
}

/** Every URL refused and noted: specs must carry their data inline. */
function offlineLoader(refused: string[]): vega.Loader {
  const refuse = (uri: string): Promise<never> => {
    refused.push(uri);
    return Promise.reject(new Error(`charts are rendered offline; refusing to load ${uri}`));
  };
  return { load: refuse, sanitize: refuse, http: refuse, file: refuse };
}
