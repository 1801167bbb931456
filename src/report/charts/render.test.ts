import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TopLevelSpec } from 'vega-lite';
import { readPngSize } from './png-header.js';
import { compileChart, darkPixelCount, rasterise, renderPng, renderPngBuffer, renderSvg } from './render.js';
import { baseSpec } from './theme.js';

const bars: TopLevelSpec = {
  ...baseSpec(400, 300, {}),
  title: 'Bytes per protocol',
  data: { values: [{ p: 'tcp', b: 10 }, { p: 'udp', b: 4 }] },
  mark: 'bar',
  encoding: { x: { field: 'p', type: 'nominal', title: 'Protocol' }, y: { field: 'b', type: 'quantitative', title: 'Bytes' } },
};

test('render: the PNG is width x height x scale, as the header says', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ns-render-'));
  try {
    const out = await renderPng(bars, join(dir, 'sub', 'bars.png'), { width: 500, height: 260, scale: 3 });
    const png = readFileSync(join(dir, 'sub', 'bars.png'));
    assert.deepEqual(readPngSize(png), { width: 1500, height: 780 });
    assert.equal(out.width, 1500);
    const def = await renderPngBuffer(bars);
    assert.deepEqual(readPngSize(def.png), { width: 800, height: 600 }, 'default scale 2, spec size');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  // a folder that cannot exist: a path below a regular file (never /proc: mkdir there can block)
  const fileDir = mkdtempSync(join(tmpdir(), 'ns-render-bad-'));
  writeFileSync(join(fileDir, 'plain'), 'x');
  await assert.rejects(renderPng(bars, join(fileDir, 'plain', 'x.png')), /chart: cannot write .*plain\/x\.png: ENOTDIR/);
  rmSync(fileDir, { recursive: true, force: true });
  await assert.rejects(renderPngBuffer(bars, { scale: 0 }), /'scale' option/);
  await assert.rejects(renderPngBuffer(bars, { width: 5 }), /'width' option/);
});

test('render: the caller\'s spec is left as it was (Vega tags data rows it ingests)', async () => {
  const spec = structuredClone(bars);
  await renderSvg(spec, { width: 300 });
  assert.deepEqual(spec, bars);
  const rows = (spec as unknown as { data: { values: object[] } }).data.values;
  assert.deepEqual(Object.getOwnPropertySymbols(rows[0]), []);
});

test('render: text really comes out (a font is found and used)', async () => {
  const svg = await renderSvg(bars);
  assert.ok(svg.includes('Bytes per protocol'));
  const withText = darkPixelCount(rasterise(svg, 1).pixels);
  // the same picture with every text element emptied
  const noText = darkPixelCount(rasterise(svg.replace(/(<text[^>]*>)[^<]*(<\/text>)/g, '$1$2'), 1).pixels);
  assert.ok(withText - noText > 300, `text adds ink: ${withText} vs ${noText} dark pixels`);
});

test('render: text widths come from the font, so labels are not cut early', async () => {
  // 40 characters at 12 px is 384 px by Vega's own guess, about 290 px in DejaVu Sans
  const long = 'Web Attack Brute Force via HTTP POST xyz';
  const spec: TopLevelSpec = {
    ...baseSpec(600, 200, {}),
    data: { values: [{ f: long, v: 1 }] },
    mark: 'bar',
    encoding: { y: { field: 'f', type: 'nominal', axis: { labelLimit: 330 } }, x: { field: 'v', type: 'quantitative' } },
  };
  const svg = await renderSvg(spec);
  assert.ok(svg.includes(`>${long}<`), 'the label is drawn whole, no ellipsis');
  const tight = await renderSvg({ ...spec, encoding: { ...spec.encoding, y: { field: 'f', type: 'nominal', axis: { labelLimit: 150 } } } } as TopLevelSpec);
  assert.match(tight, />Web Attack Brute[^<]*…</, 'cut with an ellipsis where it really overflows');
});

test('render: remote data is refused, not fetched', async () => {
  const remote: TopLevelSpec = { ...bars, data: { url: 'https://example.com/data.json' } };
  await assert.rejects(renderSvg(remote), /offline/);
});

test('render: compile warnings are collected, not printed', () => {
  const odd: TopLevelSpec = { ...bars, encoding: { ...bars.encoding, size: { field: 'p', type: 'nominal' } } } as TopLevelSpec;
  const { warnings } = compileChart(odd);
  assert.ok(warnings.length > 0);
});
