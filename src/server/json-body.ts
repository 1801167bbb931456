/**
 * A JSON request body read into a value, with the error a client can act on: "body: empty, ..." or
 * "body: not valid JSON (<the parser's own words, which give the byte position>)". Fastify's own
 * parser answers every malformed body with one fixed sentence; this one is used by Fastify (app.ts
 * installs it for application/json) and by the /classify fast path alike, so both say the same.
 *
 * Prototype poisoning is refused as Fastify's parser (secure-json-parse) refuses it: a `__proto__`
 * key, or a `constructor` key holding a `prototype`, anywhere in the body. The scan runs only when
 * the text holds one of those words, so an ordinary body costs one JSON.parse and two searches.
 */
export class JsonBodyError extends Error {
  readonly statusCode = 400;
  readonly code = 'NS_ERR_JSON_BODY';
}

function poisoned(v: unknown): boolean {
  if (v === null || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.some(poisoned);
  if (Object.hasOwn(v, '__proto__')) return true;
  const c = (v as Record<string, unknown>).constructor;
  if (Object.hasOwn(v, 'constructor') && c !== null && typeof c === 'object' && Object.hasOwn(c, 'prototype')) return true;
  for (const k in v) if (poisoned((v as Record<string, unknown>)[k])) return true;
  return false;
}

export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw new JsonBodyError('body: empty, expected a JSON object');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new JsonBodyError(`body: not valid JSON (${(e as Error).message.slice(0, 160)})`);
  }
  if ((text.includes('__proto__') || text.includes('constructor')) && poisoned(value)) {
    throw new JsonBodyError('body: not valid JSON (Object contains forbidden prototype property)');
  }
  return value;
}
