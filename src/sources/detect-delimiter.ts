/**
 * Which byte separates the fields of a CSV: a comma, or else the semicolon (spreadsheets in locales
 * that write 1,5 for one and a half), a tab (TSV, Zeek-like exports) or a bar, judged from the
 * first line outside quotes. Only a first line without any comma is read with another delimiter,
 * so every comma-separated file reads exactly as before; the reader says on stderr which delimiter
 * it took when it is not the comma, so a surprise is visible.
 */

const LF = 10;
const QUOTE = 34;

export const DELIMITER_NAMES: Readonly<Record<number, string>> = {
  44: 'comma',
  59: 'semicolon',
  9: 'tab',
  124: 'bar',
};

const CANDIDATES = [59, 9, 124];

/** The delimiter byte of a text whose first bytes are `head` (UTF-8, BOM allowed). */
export function detectDelimiter(head: Uint8Array): number {
  const counts = new Map<number, number>();
  let quoted = false;
  let commas = 0;
  for (let i = 0; i < head.length; i++) {
    const c = head[i];
    if (c === QUOTE) quoted = !quoted;
    else if (quoted) continue;
    else if (c === LF) {
      // skip leading blank lines
      if (commas === 0 && counts.size === 0 && isBlankBefore(head, i)) continue;
      break;
    } else if (c === 44) commas++;
    else if (CANDIDATES.includes(c)) counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  if (commas > 0 || counts.size === 0) return 44;
  let best = 44;
  let bestN = 0;
  for (const [c, n] of counts) {
    if (n > bestN) {
      best = c;
      bestN = n;
    }
  }
  return best;
}

function isBlankBefore(head: Uint8Array, lf: number): boolean {
  for (let i = lf - 1; i >= 0 && head[i] !== LF; i--) if (head[i] !== 13 && head[i] !== 32 && head[i] !== 0xbb && head[i] !== 0xbf && head[i] !== 0xef) return false;
  return true;
}
