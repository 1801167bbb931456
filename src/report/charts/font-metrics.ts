/**
 * Text widths from the font we render with, for Vega's layout.
 *
 * Without a canvas package, Vega guesses every string to be 0.8 em per character, about a third
 * wider than DejaVu Sans really is: axis labels get cut with "…" long before they would overflow,
 * and the plot shrinks to leave room for text that is not there. Vega lets a caller replace its
 * width function (vl-convert does the same), so we read the advance widths of the TrueType file
 * resvg draws with and sum them per string.
 *
 * Reads only what widths need: `head` (units per em), `hhea` + `hmtx` (advances), and the Unicode
 * BMP `cmap` (format 4). Deliberately ignores kerning and shaping: a pixel or two per label.
 * Why not a library: the font parsers on npm (opentype.js, fontkit) are large for four tables.
 */
import { readFileSync } from 'node:fs';

export interface FontWidths {
  readonly unitsPerEm: number;
  /** advance width in font units per BMP code point (0 where the font has no glyph) */
  readonly advance: Uint16Array;
  /** advance of glyph 0 (.notdef), used for characters the font lacks */
  readonly missing: number;
}

/** Advance widths of a TrueType file; throws if the file is not a TrueType/OpenType font. */
export function readFontWidths(path: string): FontWidths {
  const buf = readFileSync(path);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const tables = new Map<string, number>();
  const numTables = view.getUint16(4);
  for (let i = 0; i < numTables; i++) {
    const rec = 12 + i * 16;
    const tag = String.fromCharCode(buf[rec], buf[rec + 1], buf[rec + 2], buf[rec + 3]);
    tables.set(tag, view.getUint32(rec + 8));
  }
  const head = tables.get('head');
  const hhea = tables.get('hhea');
  const hmtx = tables.get('hmtx');
  const cmap = tables.get('cmap');
  if (head === undefined || hhea === undefined || hmtx === undefined || cmap === undefined) {
    throw new Error(`${path}: not a TrueType font with head, hhea, hmtx and cmap tables`);
  }
  const unitsPerEm = view.getUint16(head + 18);
  const metrics = view.getUint16(hhea + 34);
  const glyphAdvance = (gid: number): number => view.getUint16(hmtx + 4 * Math.min(gid, metrics - 1));

  // the Windows Unicode BMP subtable (platform 3, encoding 1), else Unicode platform 0
  const subtables = view.getUint16(cmap + 2);
  let sub = -1;
  for (let i = 0; i < subtables; i++) {
    const rec = cmap + 4 + i * 8;
    const platform = view.getUint16(rec);
    const encoding = view.getUint16(rec + 2);
    const off = cmap + view.getUint32(rec + 4);
    if (view.getUint16(off) !== 4) continue;
    if (platform === 3 && encoding === 1) {
      sub = off;
      break;
    }
    if (platform === 0 && sub < 0) sub = off;
  }
  if (sub < 0) throw new Error(`${path}: no Unicode BMP character map (cmap format 4)`);

  const advance = new Uint16Array(65536);
  const segCount = view.getUint16(sub + 6) / 2;
  const endCodes = sub + 14;
  const startCodes = endCodes + 2 * segCount + 2;
  const idDeltas = startCodes + 2 * segCount;
  const idRangeOffsets = idDeltas + 2 * segCount;
  for (let s = 0; s < segCount; s++) {
    const end = view.getUint16(endCodes + 2 * s);
    const start = view.getUint16(startCodes + 2 * s);
    const delta = view.getUint16(idDeltas + 2 * s);
    const rangeOffsetPos = idRangeOffsets + 2 * s;
    const rangeOffset = view.getUint16(rangeOffsetPos);
    for (let c = start; c <= end && c < 0xffff; c++) {
      let gid: number;
      if (rangeOffset === 0) gid = (c + delta) & 0xffff;
      else {
        // the offset counts from its own position in the table, in bytes
        gid = view.getUint16(rangeOffsetPos + rangeOffset + 2 * (c - start));
        if (gid !== 0) gid = (gid + delta) & 0xffff;
      }
      if (gid !== 0) advance[c] = glyphAdvance(gid);
    }
  }
  return { unitsPerEm, advance, missing: glyphAdvance(0) };
}

/** Width in CSS pixels of `text` set in this font at `fontSize` pixels. */
export function textWidth(font: FontWidths, text: string, fontSize: number): number {
  let units = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const a = font.advance[c];
    units += a === 0 ? font.missing : a;
  }
  return (units * fontSize) / font.unitsPerEm;
}
