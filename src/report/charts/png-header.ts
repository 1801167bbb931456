/**
 * The size of a PNG from its header, without decoding it: for an HTML report's <img width height>
 * and for tests that check a chart came out at the size asked for.
 *
 * Deliberately not a PNG decoder: only the signature and the IHDR chunk are read.
 */
const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Width and height in pixels, or undefined when the bytes do not start like a PNG. */
export function readPngSize(png: Uint8Array): { width: number; height: number } | undefined {
  if (png.length < 24) return undefined;
  for (let i = 0; i < SIGNATURE.length; i++) if (png[i] !== SIGNATURE[i]) return undefined;
  // the first chunk must be IHDR: length (4 bytes), type "IHDR", then width and height (big-endian)
  if (String.fromCharCode(png[12], png[13], png[14], png[15]) !== 'IHDR') return undefined;
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}
