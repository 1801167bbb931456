/**
 * What every chart test checks, in one place: the spec compiles without Vega-Lite warnings, the
 * SVG carries the title, and the PNG is a real PNG of the size asked for with ink on it.
 *
 * Set NETSENTINEL_CHART_DIR to keep the PNGs (to look at them); otherwise they go to a temporary
 * folder that is removed.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readPngSize } from './png-header.js';
import { compileChart, darkPixelCount, rasterise, renderPng, renderSvg } from './render.js';
import type { ChartSpec } from './theme.js';

export interface ChartCheck {
  readonly svg: string;
  readonly width: number;
  readonly height: number;
  /** the inline data rows of the spec (all layers), for assertions on content */
  readonly rows: Record<string, unknown>[];
}

export async function assertChartRenders(name: string, spec: ChartSpec, expectTitle: string): Promise<ChartCheck> {
  const json = JSON.parse(JSON.stringify(spec)) as Record<string, unknown>;
  assert.deepEqual(json, spec, 'the spec is plain JSON (no typed arrays, functions or NaN)');
  const { warnings } = compileChart(spec);
  assert.deepEqual(warnings, [], 'Vega-Lite compiles the spec without warnings');
  const svg = await renderSvg(spec);
  assert.ok(svg.startsWith('<svg'), 'an SVG document');
  assert.ok(svg.includes(escapeXml(expectTitle)), `the SVG carries the title "${expectTitle}"`);
  const w = (spec as { width?: unknown }).width as number;
  const h = (spec as { height?: unknown }).height as number;
  const keep = process.env.NETSENTINEL_CHART_DIR;
  const dir = keep ?? mkdtempSync(join(tmpdir(), 'ns-chart-'));
  try {
    const path = join(dir, `${name}.png`);
    const out = await renderPng(spec, path, { scale: 2 });
    const size = readPngSize(readFileSync(path));
    assert.deepEqual(size, { width: 2 * w, height: 2 * h }, 'PNG header: the whole picture at scale 2');
    assert.deepEqual({ width: out.width, height: out.height }, size);
    // ink: at least 1% of the picture is not background
    const img = rasterise(svg, 1);
    assert.ok(darkPixelCount(img.pixels) > 0.01 * w * h, 'the chart has visible content');
  } finally {
    if (!keep) rmSync(dir, { recursive: true, force: true });
  }
  return { svg, width: w, height: h, rows: dataRows(spec) };
}

function dataRows(spec: ChartSpec): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const walk = (s: Record<string, unknown>): void => {
    const data = s.data as { values?: Record<string, unknown>[] } | undefined;
    if (data?.values) out.push(...data.values);
    if (Array.isArray(s.layer)) for (const l of s.layer) walk(l as Record<string, unknown>);
  };
  walk(spec as unknown as Record<string, unknown>);
  return out;
}

export function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
