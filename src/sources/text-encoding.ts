/**
 * Which character encoding an input's bytes are in, and UTF-16 turned into UTF-8 as it streams.
 *
 * Windows tools (PowerShell's `>`, Excel's "Unicode text") write UTF-16, with or without a
 * byte-order mark. Read as UTF-8 such a file has a NUL byte between every two letters: column
 * names full of NULs, or a wrong field count. We recognise UTF-16 by its BOM (FF FE / FE FF) or,
 * without one, by where its NUL bytes fall (text in the Latin range has a NUL in every other byte,
 * at odd offsets for little-endian and even ones for big-endian), and decode it, so the tokenizer
 * only ever sees UTF-8. Byte offsets in later messages are then offsets in the UTF-8 text.
 *
 * Written here rather than with a package because Node's TextDecoder already does the decoding
 * (streaming, surrogate pairs across chunks); what is ours is the detection.
 */

export type TextEncodingName = 'utf-8' | 'utf-16le' | 'utf-16be';

/** Bytes looked at to detect a BOM-less UTF-16 text. */
const LOOK = 4096;

/** The encoding of a text starting with `head`, and how many BOM bytes to skip. */
export function detectEncoding(head: Uint8Array): { encoding: TextEncodingName; bom: number } {
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bom: 2 };
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bom: 2 };
  const n = Math.min(head.length, LOOK) & ~1;
  if (n < 4) return { encoding: 'utf-8', bom: 0 };
  let evenNul = 0;
  let oddNul = 0;
  for (let i = 0; i < n; i += 2) {
    if (head[i] === 0) evenNul++;
    if (head[i + 1] === 0) oddNul++;
  }
  const pairs = n / 2;
  // Latin text in UTF-16: (nearly) every unit has one NUL byte, always on the same side
  if (oddNul >= pairs * 0.9 && evenNul <= pairs * 0.05) return { encoding: 'utf-16le', bom: 0 };
  if (evenNul >= pairs * 0.9 && oddNul <= pairs * 0.05) return { encoding: 'utf-16be', bom: 0 };
  return { encoding: 'utf-8', bom: 0 };
}

/** UTF-16 chunks (any split, BOM already removed or not) as UTF-8 chunks. */
export async function* utf16ToUtf8(chunks: AsyncIterable<Uint8Array>, encoding: 'utf-16le' | 'utf-16be'): AsyncGenerator<Uint8Array> {
  // ignoreBOM: false drops a leading BOM; invalid units become U+FFFD rather than an exception
  const decoder = new TextDecoder(encoding, { fatal: false, ignoreBOM: false });
  for await (const c of chunks) {
    const s = decoder.decode(c, { stream: true });
    if (s.length > 0) yield Buffer.from(s, 'utf8');
  }
  const tail = decoder.decode();
  if (tail.length > 0) yield Buffer.from(tail, 'utf8');
}
