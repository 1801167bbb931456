import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { Resvg } from './resvg-binding.js';

const require = createRequire(import.meta.url);

test('resvg binding: the class loaded directly draws the same PNG as @resvg/resvg-js, options and all', () => {
  const pkg = require('@resvg/resvg-js') as { Resvg: typeof Resvg };
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" width="80" height="30"><rect x="2" y="2" width="40" height="20" fill="#1f77b4"/>' +
    '<path d="M0,30L80,0" stroke="red" stroke-width="2"/></svg>';
  const options = { fitTo: { mode: 'zoom' as const, value: 2 }, background: 'white', shapeRendering: 2 as const, logLevel: 'off' as const };
  const ours = new Resvg(svg, options).render();
  const theirs = new pkg.Resvg(svg, options).render();
  // the options reached the native side: zoom 2 doubles the size
  assert.equal(ours.width, 160);
  assert.equal(ours.height, 60);
  assert.deepEqual(Buffer.from(ours.asPng()), Buffer.from(theirs.asPng()));
  // and without options, the picture's own size
  assert.equal(new Resvg(svg).render().width, 80);
});
