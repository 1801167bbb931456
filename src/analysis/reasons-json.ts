/**
 * The store's `reasons` column is JSON.stringify(netsentinel.reasons), and that exact text already
 * sits inside the alert's JSON line (a value's JSON is the same wherever it is nested). Cutting it
 * out with a small scan costs less than serialising the reasons a second time (~1 µs per alert).
 *
 * The scan reads the record JSON only as JSON.stringify writes it (no whitespace): it finds the
 * top-level "netsentinel" member — the first `,"netsentinel":{` is it, since a bare quote inside a
 * JSON string is always escaped and keys before it are EVE's own — then walks that object's members
 * to "reasons" and returns its array text. Anything unexpected returns undefined (caller stringifies).
 */

const QUOTE = 34;
const BACKSLASH = 92;

/** index just past the string starting at `i` (json[i] is its opening quote), or -1 */
function endOfString(json: string, i: number): number {
  for (let j = i + 1; j < json.length; j++) {
    const c = json.charCodeAt(j);
    if (c === BACKSLASH) j++;
    else if (c === QUOTE) return j + 1;
  }
  return -1;
}

/** index just past the value starting at `i` (a JSON.stringify value, no whitespace), or -1 */
function endOfValue(json: string, i: number): number {
  let depth = 0;
  for (let j = i; j < json.length; j++) {
    const c = json.charCodeAt(j);
    if (c === QUOTE) {
      j = endOfString(json, j) - 1;
      if (j < 0) return -1;
      if (depth === 0) return j + 1;
    } else if (c === 91 /* [ */ || c === 123 /* { */) depth++;
    else if (c === 93 /* ] */ || c === 125 /* } */) {
      if (depth === 0) return j; // the end of a scalar at the end of its object
      if (--depth === 0) return j + 1;
    } else if (c === 44 /* , */ && depth === 0) return j;
  }
  return -1;
}

const NETSENTINEL = ',"netsentinel":{';
const REASONS_KEY = '"reasons"';

/** the text of netsentinel.reasons inside an EVE alert line, or undefined when it is not there as an array */
export function reasonsJsonIn(json: string): string | undefined {
  const at = json.indexOf(NETSENTINEL);
  if (at < 0) return undefined;
  let i = at + NETSENTINEL.length;
  while (i < json.length && json.charCodeAt(i) === QUOTE) {
    const keyEnd = endOfString(json, i);
    if (keyEnd < 0 || json.charCodeAt(keyEnd) !== 58 /* : */) return undefined;
    const valueAt = keyEnd + 1;
    const valueEnd = endOfValue(json, valueAt);
    if (valueEnd < 0) return undefined;
    if (keyEnd - i === REASONS_KEY.length && json.startsWith(REASONS_KEY, i)) {
      return json.charCodeAt(valueAt) === 91 /* [ */ ? json.slice(valueAt, valueEnd) : undefined;
    }
    if (json.charCodeAt(valueEnd) !== 44 /* , */) return undefined; // "}": no reasons member
    i = valueEnd + 1;
  }
  return undefined;
}
