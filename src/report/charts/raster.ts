/**
 * SVG → PNG with resvg, and the fonts charts are drawn and measured with; no Vega here, so a
 * chart written as SVG directly (risk-scores-svg.ts) is rasterised without loading Vega (~0.35 s
 * of module compiling; analyze's latency, issue 8 #2).
 *
 * Fonts fail silently if not handled: resvg draws no text at all when it finds no font. We load
 * DejaVu Sans (Debian's fonts-dejavu-core) by path, fall back to the system fonts, and check once
 * per process that a glyph really comes out; if none does, rendering stops with an error saying
 * what to install. DejaVu Sans found by path and read as a TrueType font with glyphs for "Ag" needs
 * no test render (a second resvg instance and render on the chart thread of every analyze run).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ResvgRenderOptions } from '@resvg/resvg-js';
import { Resvg, renderAsync } from './resvg-binding.js';
import { UserError } from '../../util/errors.js';
import { readFontWidths, type FontWidths } from './font-metrics.js';
import { CHART_FONT } from './theme.js';

/** SVG text → resvg image at `scale`, with our fonts; checks once that text really renders. */
export function rasterise(svg: string, scale: number): { width: number; height: number; pixels: Buffer; asPng(): Buffer } {
  ensureFontsDrawText();
  return new Resvg(svg, resvgOptions(scale)).render();
}

/** rasterise, drawn on libuv's thread pool (the same pixels): the calling thread only checks the fonts once */
export async function rasteriseAsync(svg: string, scale: number): Promise<{ width: number; height: number; pixels: Buffer; asPng(): Buffer }> {
  ensureFontsDrawText();
  return renderAsync(svg, resvgOptions(scale));
}

const DEJAVU_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/dejavu', '/usr/local/share/fonts/dejavu', '/Library/Fonts'];
const DEJAVU_FILES = ['DejaVuSans.ttf', 'DejaVuSans-Bold.ttf', 'DejaVuSans-Oblique.ttf', 'DejaVuSansMono.ttf'];

let fontOptions: ResvgRenderOptions['font'] | undefined;
let regularFontFile: string | undefined;
let boldFontFile: string | undefined;

/** DejaVu by path when we can find it (fast, predictable), else whatever the system has. */
function fonts(): NonNullable<ResvgRenderOptions['font']> {
  if (fontOptions) return fontOptions;
  const files: string[] = [];
  const extraDir = process.env.NETSENTINEL_FONT_DIR;
  for (const dir of DEJAVU_DIRS) {
    for (const f of DEJAVU_FILES) {
      const p = join(dir, f);
      if (existsSync(p)) files.push(p);
    }
    if (files.length > 0) {
      regularFontFile = files.find((f) => f.endsWith('DejaVuSans.ttf'));
      boldFontFile = files.find((f) => f.endsWith('DejaVuSans-Bold.ttf'));
      break;
    }
  }
  fontOptions = {
    fontFiles: files,
    fontDirs: extraDir ? [extraDir] : [],
    // without DejaVu, any installed font beats no text
    loadSystemFonts: files.length === 0,
    defaultFontFamily: CHART_FONT,
    sansSerifFamily: CHART_FONT,
    defaultFontSize: 12,
  };
  return fontOptions;
}

function resvgOptions(scale: number): ResvgRenderOptions {
  return {
    font: fonts(),
    fitTo: { mode: 'zoom', value: scale },
    background: 'white',
    shapeRendering: 2,
    textRendering: 1,
    logLevel: 'off',
  };
}

let fontsChecked = false;

/**
 * resvg skips text it has no font for without a word; a chart without its title and axis labels
 * is worse than no chart, so draw one word and look for ink before the first real render.
 */
function ensureFontsDrawText(): void {
  if (fontsChecked) return;
  // the font we name is a file we read: resvg draws what has glyphs in it
  if (dejavuDrawsText()) {
    fontsChecked = true;
    return;
  }
  const probe =
    '<svg xmlns="http://www.w3.org/2000/svg" width="60" height="24">' +
    `<text x="4" y="18" font-family="${CHART_FONT}, sans-serif" font-size="16" fill="black">Ag</text></svg>`;
  const img = new Resvg(probe, resvgOptions(1)).render();
  if (darkPixelCount(img.pixels) < 10) {
    throw new UserError(
      'charts: no usable font found, so chart text would be blank; install DejaVu Sans ' +
        '(Debian/Ubuntu: apt-get install fonts-dejavu-core) or set NETSENTINEL_FONT_DIR to a folder of .ttf files',
    );
  }
  fontsChecked = true;
}

/** Pixels (RGBA) noticeably darker than white: ink. */
export function darkPixelCount(rgba: Uint8Array): number {
  let n = 0;
  for (let i = 0; i + 3 < rgba.length; i += 4) {
    if (rgba[i + 3] > 0 && rgba[i] + rgba[i + 1] + rgba[i + 2] < 384) n++;
  }
  return n;
}


/** DejaVu Sans was found by path and has glyphs for the probe's "Ag" (its advance widths say so) */
function dejavuDrawsText(): boolean {
  fonts();
  if (!regularFontFile || !fontOptions?.fontFiles?.includes(regularFontFile)) return false;
  const regular = chartFontWidths().regular;
  return regular !== undefined && regular.advance[0x41] > 0 && regular.advance[0x67] > 0;
}

let widths: { regular?: FontWidths; bold?: FontWidths } | undefined;

/**
 * Advance widths of the regular and bold fonts resvg draws with (undefined without DejaVu: then
 * the font is not known, and callers guess 0.6 em per character).
 */
export function chartFontWidths(): { regular?: FontWidths; bold?: FontWidths } {
  if (widths) return widths;
  fonts();
  let regular: FontWidths | undefined;
  try {
    regular = regularFontFile ? readFontWidths(regularFontFile) : undefined;
  } catch {
    return (widths = {});
  }
  // the bold widths read when first asked for: the risk chart measures regular text only
  let bold: FontWidths | undefined | null = null;
  widths = {
    regular,
    get bold(): FontWidths | undefined {
      if (bold === null) {
        try {
          bold = boldFontFile ? readFontWidths(boldFontFile) : regular;
        } catch {
          bold = undefined;
        }
      }
      return bold;
    },
  };
  return widths;
}

/** Fonts found, measured and checked ahead of the first chart (a chart thread does it while it waits). */
export function prepareFonts(): void {
  chartFontWidths();
  ensureFontsDrawText();
}
