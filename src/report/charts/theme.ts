/**
 * The look every netsentinel chart shares: fonts, text sizes, colours and the sizing rule, in one
 * place so a PNG in a report and the same spec in a dashboard look alike.
 *
 * Sizing rule: every builder sets `autosize: fit` with `contains: padding`, so `width` × `height`
 * are the size of the whole picture (title, axes and legend included), not of the plot area. A
 * caller that asks for an 800 × 500 chart gets an 800 × 500 PNG (times the render scale).
 *
 * Text is at least 11 px at 1x (Vega's defaults go down to 10 px, which is hard to read in a PNG
 * pasted into a ticket); PNGs are rendered at scale 2 by default.
 *
 * Deliberately not here: dark mode, per-user themes. A dashboard can override `config` on a spec.
 */
import type { Config, TopLevelSpec } from 'vega-lite';
import { thousands } from '../../util/thousands.js';

/** A Vega-Lite spec as the builders return it: plain JSON, reusable by a dashboard. */
export type ChartSpec = TopLevelSpec;

/** The font the PNG renderer loads (Debian: fonts-dejavu-core); browsers fall back down the list. */
export const CHART_FONT = 'DejaVu Sans';
const FONT_STACK = `${CHART_FONT}, Verdana, Arial, sans-serif`;

/** Colours with a meaning, used the same way in every chart. */
export const COLORS = {
  /** noise points, attack share, anything alarming */
  alarm: '#d62728',
  /** reference lines: chance diagonal, thresholds */
  reference: '#555555',
  /** a single series */
  primary: '#1f77b4',
} as const;

/**
 * Categorical palette without red, so red keeps meaning "noise" or "alarm" (Tableau 10 order with
 * its red taken out, then a few darker tones for more than nine series).
 */
export const SERIES_PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#b07aa1',
  '#76b7b2',
  '#edc948',
  '#9c755f',
  '#ff9da7',
  '#17becf',
  '#2f4b7c',
  '#a05195',
  '#665191',
  '#003f5c',
  '#7a5195',
  '#8a9a5b',
  '#6b4226',
];

export const CHART_CONFIG: Config = {
  font: FONT_STACK,
  background: 'white',
  padding: 12,
  title: { fontSize: 16, subtitleFontSize: 12, subtitleColor: '#444444', anchor: 'start', offset: 10, subtitlePadding: 4 },
  axis: { labelFontSize: 12, titleFontSize: 13, titlePadding: 8, labelColor: '#222222', titleColor: '#111111' },
  legend: { labelFontSize: 12, titleFontSize: 12, labelLimit: 320 },
  header: { labelFontSize: 12, titleFontSize: 13 },
  text: { fontSize: 12 },
  view: { stroke: '#cccccc' },
};

/** Texts a caller may override on any chart. */
export interface ChartTextOptions {
  /** replaces the default title */
  readonly title?: string;
  /** printed under the title, before any note the builder adds (sampling, counts) */
  readonly subtitle?: string;
  /** whole-picture size in CSS pixels (before the render scale) */
  readonly width?: number;
  readonly height?: number;
}

/** Title block: the caller's subtitle first, then the builder's notes, one line each. */
export function titleBlock(title: string, options: ChartTextOptions, notes: readonly string[]): { text: string; subtitle?: string[] } {
  const lines = [...(options.subtitle ? [options.subtitle] : []), ...notes.filter((s) => s.length > 0)];
  return lines.length > 0 ? { text: options.title ?? title, subtitle: lines } : { text: options.title ?? title };
}

/** The frame every builder starts from: schema, size rule and shared config. */
export function baseSpec(width: number, height: number, options: ChartTextOptions): {
  $schema: string;
  width: number;
  height: number;
  autosize: { type: 'fit'; contains: 'padding' };
  config: Config;
} {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: Math.round(options.width ?? width),
    height: Math.round(options.height ?? height),
    autosize: { type: 'fit', contains: 'padding' },
    config: CHART_CONFIG,
  };
}

/** A count as people read it: 1,234 or 12.3k past ten thousand. */
export function compactCount(n: number): string {
  const a = Math.abs(n);
  if (a < 10_000) return grouped(n);
  if (a < 1e6) return `${trim(n / 1e3)}k`;
  if (a < 1e9) return `${trim(n / 1e6)}M`;
  return `${trim(n / 1e9)}G`;
}

function trim(x: number): string {
  const s = Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(1);
  return s.endsWith('.0') ? s.slice(0, -2) : s;
}

/** "1,234" with thousands separators, for subtitles. */
export function fullCount(n: number): string {
  return grouped(n);
}

/** n.toLocaleString('en-US'), whole numbers without Intl (its first use costs ~30 ms: util/thousands.ts) */
function grouped(n: number): string {
  return Number.isSafeInteger(n) && !Object.is(n, -0) ? thousands(n) : n.toLocaleString('en-US');
}

/** Four significant digits, no exponent for everyday magnitudes. */
export function formatNumber(x: number): string {
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-3 && a < 1e6) return String(Number(x.toPrecision(4)));
  return x.toExponential(2);
}
