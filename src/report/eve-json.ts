/**
 * JSON text for alert records, exactly as JSON.stringify makes it, but cheaper: half of an alert's
 * CPU was JSON.stringify of its EVE record. Strings go through as they are when a quick scan finds
 * nothing to escape (quote, backslash, control character, surrogate), numbers as String(n) for
 * finite ones and null otherwise, as the spec says. Anything that is not plain data (toJSON, a
 * class instance, a bigint, a nesting too deep to be anything but a cycle) gives up: the caller
 * then falls back to JSON.stringify of the whole record, so odd values behave (and throw) as before.
 */

/** thrown (never escapes this module's callers) when a value is not plain data */
export const NOT_PLAIN: unique symbol = Symbol('not plain JSON data');

const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

export function jsonString(s: string): string {
  return NEEDS_ESCAPE.test(s) ? JSON.stringify(s) : `"${s}"`;
}

export function jsonNumber(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

const MAX_DEPTH = 64;

/**
 * `v` as JSON.stringify writes it inside an object (undefined when it leaves the key out: undefined,
 * a function, a symbol). Throws NOT_PLAIN for what it does not handle itself.
 */
export function jsonValue(v: unknown, depth = 0): string | undefined {
  switch (typeof v) {
    case 'string':
      return jsonString(v);
    case 'number':
      return jsonNumber(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object': {
      if (v === null) return 'null';
      if (depth >= MAX_DEPTH || typeof (v as { toJSON?: unknown }).toJSON === 'function') throw NOT_PLAIN;
      const proto = Object.getPrototypeOf(v);
      if (Array.isArray(v)) {
        if (proto !== Array.prototype) throw NOT_PLAIN;
        let out = '[';
        for (let i = 0; i < v.length; i++) {
          if (i) out += ',';
          out += jsonValue(v[i], depth + 1) ?? 'null';
        }
        return out + ']';
      }
      if (proto !== Object.prototype && proto !== null) throw NOT_PLAIN;
      return jsonObject(v as Record<string, unknown>, depth);
    }
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined;
    default:
      throw NOT_PLAIN; // bigint: JSON.stringify throws, and the fallback will
  }
}

/** a plain object's JSON, keys in JSON.stringify's order (Object.keys) */
export function jsonObject(o: Readonly<Record<string, unknown>>, depth = 0): string {
  let out = '{';
  let first = true;
  for (const k of Object.keys(o)) {
    const t = jsonValue(o[k], depth + 1);
    if (t === undefined) continue;
    out += first ? `${jsonString(k)}:${t}` : `,${jsonString(k)}:${t}`;
    first = false;
  }
  return out + '}';
}
