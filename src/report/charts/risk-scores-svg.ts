/**
 * The risk chart (risk-scores.ts) written as SVG directly, for analyze's risk_scores.png: the same
 * data, texts, colours and layout rules as the Vega-Lite spec drawn by Vega (title and notes above,
 * axes with Vega's tick choice and formats, area + line, the dashed threshold rule and its label),
 * without loading Vega and Vega-Lite. Those two cost ~0.35 s of CPU to load and ~0.3 s to lay out
 * one chart; this costs a few milliseconds, and `analyze` draws this chart on every run (issue 8
 * #2). The spec stays what dashboards take; other charts still go through Vega.
 *
 * Layout, as Vega's `autosize: fit, contains: padding` gives it for this chart: the plot is what is
 * left of the picture after the padding, the title block above, the y axis (ticks, labels measured
 * in the font resvg draws with, title) on the left and the x axis below. Ticks follow d3's rule
 * (1, 2 or 5 × 10^k, about one per 40 px); the x axis formats with SI prefixes ('~s'), the y axis
 * with as many decimals as its step needs.
 */
import { textWidth } from './font-metrics.js';
import { chartFontWidths, rasterise, rasteriseAsync } from './raster.js';
import { capitalise, riskChartData, type RiskChartOptions } from './risk-scores.js';
import { CHART_CONFIG, COLORS } from './theme.js';
import { thousands } from '../../util/thousands.js';

const FONT = String(CHART_CONFIG.font);
const PAD = 12;

/** The chart as an SVG document of `width` × `height` CSS pixels (default 680 × 420). */
export function riskScoresSvg(scores: ArrayLike<number>, threshold: number, options: RiskChartOptions = {}): string {
  const d = riskChartData(scores, threshold, options);
  const W = Math.round(options.width ?? 680);
  const H = Math.round(options.height ?? 420);
  const sub = [...(options.subtitle ? [options.subtitle] : []), ...d.notes.filter((s) => s.length > 0)];
  const title = options.title ?? 'Risk scores, sorted';

  // y scale: [0, 1] for risks, else the data's extent with the threshold, made nice as Vega does
  let y0 = d.yDomain ? d.yDomain[0] : Math.min(d.points[0].risk, threshold);
  let y1 = d.yDomain ? d.yDomain[1] : Math.max(d.points[d.points.length - 1].risk, threshold);
  const top = PAD + (sub.length ? 29 + 14 * (sub.length - 1) : 13) + 18;
  const plotH = Math.max(1, H - top - PAD - 39);
  const yCount = Math.ceil(plotH / 40);
  if (!d.yDomain) [y0, y1] = nice(y0, y1, yCount);
  const yTicks = ticks(y0, y1, yCount);
  const yStep = tickStep(y0, y1, yCount);
  const yFormat = (v: number): string => fixedGrouped(v, Math.max(0, -Math.floor(Math.log10(Math.abs(yStep) || 1) + 1e-9)));
  const yLabels = yTicks.map(yFormat);
  const labelW = Math.max(0, ...yLabels.map((s) => measure(s, 12, false)));
  const yTitleX = 7 + labelW + 8;
  const leftExtent = yTitleX + 13;
  const left = PAD + Math.ceil(leftExtent + 0.5);
  const plotW = Math.max(1, W - left - PAD - 4);
  const yOf = (v: number): number => (y1 === y0 ? plotH / 2 : plotH * (1 - (v - y0) / (y1 - y0)));

  // x scale: ranks 1..n, not made nice; at least one rank per tick
  const n = d.n;
  const xCount = Math.ceil(plotW / 40);
  const xTicks = ticks(1, n, xCount).filter((v) => Number.isInteger(v) || tickStep(1, n, xCount) >= 1);
  const xOf = (r: number): number => (n === 1 ? 0 : ((r - 1) / (n - 1)) * plotW);

  const out: string[] = [];
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" version="1.1" class="marks" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}">`);
  out.push(`<rect width="${W}" height="${H}" fill="white"/>`);
  out.push(`<g fill="none" stroke-miterlimit="4" transform="translate(${left},${top})">`);
  out.push(`<path d="M0.5,0.5h${plotW}v${plotH}h-${plotW}Z" stroke="#cccccc"/>`);
  const line = (x: number, y: number, x2: number, y2: number, stroke: string): string => `<line transform="translate(${x},${y})" x2="${x2}" y2="${y2}" stroke="${stroke}" stroke-width="1"/>`;
  const text = (x: number, y: number, s: string, size: number, fill: string, anchor: string, extra = ''): string =>
    `<text text-anchor="${anchor}" transform="translate(${x},${y})${extra}" font-family="${esc(FONT)}" font-size="${size}px"${size >= 13 ? ' font-weight="bold"' : ''} fill="${fill}">${esc(s)}</text>`;
  // grid, then axes: ticks, labels, domain line, title
  out.push(`<g transform="translate(0.5,0.5)">`);
  for (const v of xTicks) out.push(line(Math.round(xOf(v)), 0, 0, plotH, '#ddd'));
  for (const v of yTicks) out.push(line(0, Math.round(yOf(v)), plotW, 0, '#ddd'));
  for (const v of xTicks) out.push(line(Math.round(xOf(v)), plotH, 0, 5, '#888'));
  // labels at the ends of the axis sit inside it (Vega-Lite's labelFlush for x); one SI prefix for all, the domain's
  const prefix = siExponent(n);
  const xLabels = xTicks.map((v) => {
    const x = xOf(v);
    const s = siFormat(v, prefix);
    const anchor = x <= 0 ? 'start' : x >= plotW ? 'end' : 'middle';
    const w = measure(s, 12, false);
    const x1 = anchor === 'start' ? x : anchor === 'end' ? x - w : x - w / 2;
    return { x, s, anchor, x1, x2: x1 + w, shown: true };
  });
  hideOverlaps(xLabels);
  for (const l of xLabels) if (l.shown) out.push(text(l.x, plotH + 16, l.s, 12, '#222222', l.anchor));
  out.push(line(0, plotH, plotW, 0, '#888'));
  out.push(text(plotW / 2, plotH + 36, `${capitalise(d.unit)}, ranked by risk (lowest to highest)`, 13, '#111111', 'middle'));
  yTicks.forEach((v, i) => {
    out.push(line(0, Math.round(yOf(v)), -5, 0, '#888'));
    out.push(text(-7, yOf(v) + 4, yLabels[i], 12, '#222222', 'end'));
  });
  out.push(line(0, plotH, 0, -plotH, '#888'));
  out.push(text(-yTitleX, plotH / 2, options.yTitle ?? 'Risk score', 13, '#111111', 'middle', ' rotate(-90) translate(0,-3)'));
  out.push(`</g>`);
  // the sorted risks: a filled area under a line
  const pts: string[] = [];
  for (const p of d.points) pts.push(`${r3(xOf(p.rank))},${r3(yOf(p.risk))}`);
  const path = `M${pts.join('L')}`;
  // the area's lower edge goes back through every point's x, as d3's area draws it
  const base: string[] = [];
  for (let i = d.points.length - 1; i >= 0; i--) base.push(`${r3(xOf(d.points[i].rank))},${plotH}`);
  out.push(`<path d="${path}L${base.join('L')}Z" fill="${COLORS.primary}" opacity="0.15"/>`);
  out.push(`<path d="${path}" stroke="${COLORS.primary}" stroke-width="2"/>`);
  // the threshold: a dashed rule across the plot, labelled at its left end (below it near the top)
  const ty = yOf(threshold);
  out.push(`<line transform="translate(${plotW},${ty})" x2="-${plotW}" y2="0" stroke="${COLORS.alarm}" stroke-width="1.5" stroke-dasharray="6,4"/>`);
  out.push(
    `<text text-anchor="start" transform="translate(6,${d.nearTop ? ty + 4 + 9 : ty - 4 - 3})" font-family="${esc(FONT)}" font-size="12px" font-weight="bold" fill="${COLORS.alarm}">${esc(d.label)}</text>`,
  );
  // title and notes, left-aligned with the y axis title
  out.push(`<g transform="translate(${-leftExtent},${-(top - PAD)})">`);
  out.push(`<text text-anchor="start" transform="translate(0,13)" font-family="${esc(FONT)}" font-size="16px" font-weight="bold" fill="#000">${esc(title)}</text>`);
  if (sub.length) {
    const spans = sub.map((s, i) => (i === 0 ? `<tspan>${esc(s)}</tspan>` : `<tspan x="0" dy="14">${esc(s)}</tspan>`)).join('');
    out.push(`<text text-anchor="start" transform="translate(0,29)" font-family="${esc(FONT)}" font-size="12px" fill="#444444">${spans}</text>`);
  }
  out.push(`</g></g></svg>`);
  return out.join('');
}

/** The chart as PNG bytes at `scale` (default 2), drawn by resvg. */
export function riskScoresPng(scores: ArrayLike<number>, threshold: number, options: RiskChartOptions & { readonly scale?: number } = {}): Buffer {
  return rasterise(riskScoresSvg(scores, threshold, options), options.scale ?? 2).asPng();
}

/** riskScoresPng (the same bytes) with the SVG drawn on libuv's thread pool: the calling thread writes the SVG and encodes the PNG */
export async function riskScoresPngAsync(scores: ArrayLike<number>, threshold: number, options: RiskChartOptions & { readonly scale?: number } = {}): Promise<Buffer> {
  return (await rasteriseAsync(riskScoresSvg(scores, threshold, options), options.scale ?? 2)).asPng();
}

/**
 * Vega's label overlap rule ('parity'): while any two neighbours overlap, hide every other label
 * of those still shown; if fewer than three are left and the last label is hidden, show it instead
 * of the last one kept.
 */
function hideOverlaps(labels: { x1: number; x2: number; shown: boolean }[]): void {
  const overlap = (items: typeof labels): boolean => items.some((b, i) => i > 0 && b.x1 < items[i - 1].x2);
  let items = labels;
  if (items.length < 3 || !overlap(items)) return;
  do {
    items.forEach((l, i) => {
      if (i % 2) l.shown = false;
    });
    items = items.filter((l) => l.shown);
  } while (items.length >= 3 && overlap(items));
  const last = labels[labels.length - 1];
  if (items.length < 3 && !last.shown) {
    if (items.length > 1) items[items.length - 1].shown = false;
    last.shown = true;
  }
}

function measure(s: string, size: number, bold: boolean): number {
  const f = chartFontWidths();
  const font = bold ? f.bold : f.regular;
  return font ? textWidth(font, s, size) : 0.6 * s.length * size;
}

const r3 = (x: number): number => Math.round(x * 1000) / 1000;

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

// d3-array's tick rule (ticks, tickIncrement, tickStep) and d3-scale's nice, as Vega uses them
const E10 = Math.sqrt(50);
const E5 = Math.sqrt(10);
const E2 = Math.sqrt(2);

/** > 0: the step; < 0: minus the inverse of the step (exact for steps below 1) */
function tickIncrement(start: number, stop: number, count: number): number {
  const step = (stop - start) / Math.max(0, count);
  const power = Math.floor(Math.log10(step));
  const error = step / 10 ** power;
  const f = error >= E10 ? 10 : error >= E5 ? 5 : error >= E2 ? 2 : 1;
  return power >= 0 ? f * 10 ** power : -(10 ** -power) / f;
}

function tickStep(start: number, stop: number, count: number): number {
  if (!(stop > start)) return 1;
  const inc = tickIncrement(start, stop, count);
  return inc > 0 ? inc : -1 / inc;
}

function ticks(start: number, stop: number, count: number): number[] {
  if (!(stop > start)) return [start];
  const inc = tickIncrement(start, stop, count);
  const out: number[] = [];
  if (!Number.isFinite(inc) || inc === 0) return [start];
  if (inc > 0) {
    for (let i = Math.ceil(start / inc), e = Math.floor(stop / inc); i <= e; i++) out.push(i * inc);
  } else {
    for (let i = Math.ceil(start * -inc), e = Math.floor(stop * -inc); i <= e; i++) out.push(i / -inc);
  }
  return out;
}

function nice(start: number, stop: number, count: number): [number, number] {
  if (!(stop > start)) return [start - 0.5, stop + 0.5];
  let pre: number | undefined;
  for (let k = 0; k < 10; k++) {
    const inc = tickIncrement(start, stop, count);
    if (inc === pre || !Number.isFinite(inc) || inc === 0) break;
    if (inc > 0) {
      start = Math.floor(start / inc) * inc;
      stop = Math.ceil(stop / inc) * inc;
    } else {
      start = Math.ceil(start * inc) / inc;
      stop = Math.floor(stop * inc) / inc;
    }
    pre = inc;
  }
  return [start, stop];
}

/** the SI prefix (a power of 1000) of the axis's largest value: d3's tickFormat('~s') uses one for every tick */
function siExponent(max: number): number {
  return max === 0 ? 0 : Math.max(-8, Math.min(8, Math.floor(Math.log10(Math.abs(max)) / 3)));
}

/** d3-format's '~s' with a fixed prefix: up to six significant digits, no trailing zeros */
function siFormat(v: number, e: number): string {
  if (v === 0) return '0';
  const prefixes = ['y', 'z', 'a', 'f', 'p', 'n', 'µ', 'm', '', 'k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
  return `${Number((v / 10 ** (3 * e)).toPrecision(6))}${prefixes[e + 8]}`;
}

/** `p` decimals with thousands separators (d3's ',f' with the step's precision) */
function fixedGrouped(v: number, p: number): string {
  // toFixed rounds as Intl does (the nearest, a tie to the larger magnitude), and whole numbers are
  // grouped without Intl (util/thousands.ts says why); negative values keep Intl (its sign on a
  // value rounded to 0), and so do values past 2^53
  if (!(v >= 0 && v < 2 ** 53) || Object.is(v, -0) || p > 100) return v.toLocaleString('en-US', { minimumFractionDigits: p, maximumFractionDigits: p });
  const [whole, fraction] = v.toFixed(p).split('.');
  return fraction === undefined ? thousands(Number(whole)) : `${thousands(Number(whole))}.${fraction}`;
}
