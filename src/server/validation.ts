/**
 * Request validation with the TypeBox compiler, and errors a client can act on: one sentence
 * naming the field and what was expected ("body.srcbytes: expected integer, got the string
 * \"x\""), instead of a list of JSON-schema keywords. Query strings are converted first (they
 * arrive as text); bodies are checked as sent, so "1" is not an integer.
 */
import type { FastifySchemaCompiler } from 'fastify';
import type { TSchema } from 'typebox';
import { Compile } from 'typebox/compile';
import { Value } from 'typebox/value';
import { describe } from './row-encoder.js';

interface TbError {
  keyword: string;
  instancePath: string;
  params: Record<string, unknown>;
  message: string;
  schemaPath: string;
}

export class RequestValidationError extends Error {
  readonly statusCode = 400;
  readonly code = 'FST_ERR_VALIDATION';
  constructor(message: string) {
    super(message);
  }
}

function at(value: unknown, pointer: string): unknown {
  let v = value;
  for (const part of pointer.split('/').slice(1)) {
    const k = part.replace(/~1/g, '/').replace(/~0/g, '~');
    v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[k] : undefined;
  }
  return v;
}

function fieldName(part: string, pointer: string): string {
  const p = pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  return [part, ...p].join('.').replace(/\.(\d+)(?=\.|$)/g, '[$1]');
}

const RANGE: Record<string, string> = { minimum: 'at least', maximum: 'at most', exclusiveMinimum: 'more than', exclusiveMaximum: 'less than' };

/** One clear sentence from TypeBox's errors (the most specific first). */
export function explainErrors(part: string, value: unknown, errors: readonly TbError[], schema: TSchema): string {
  const missing = errors.find((e) => e.keyword === 'required');
  if (missing) {
    const names = (missing.params.requiredProperties as string[]) ?? [];
    const obj = at(schema, '') as { properties?: Record<string, { type?: string }> };
    const parentSchema = missing.instancePath === '' ? obj : undefined;
    const list = names.slice(0, 5).map((n) => `"${n}"${parentSchema?.properties?.[n]?.type ? ` (${parentSchema.properties[n].type})` : ''}`);
    return `${fieldName(part, missing.instancePath)}: missing field${names.length > 1 ? 's' : ''} ${list.join(', ')}${names.length > 5 ? ` and ${names.length - 5} more` : ''}`;
  }
  const extra = errors.find((e) => e.keyword === 'additionalProperties');
  if (extra) {
    const names = (extra.params.additionalProperties as string[]) ?? [];
    return `${fieldName(part, extra.instancePath)}: unexpected field${names.length > 1 ? 's' : ''} ${names.slice(0, 5).map((n) => `"${n.slice(0, 60)}"`).join(', ')} (not in the schema; see /docs)`;
  }
  const e = errors.find((x) => x.keyword !== 'boolean') ?? errors[0];
  if (!e) return `${part}: not valid`;
  const got = describe(at(value, e.instancePath));
  const f = fieldName(part, e.instancePath);
  // a choice (an enum, or a union of literals): name the choices rather than "must be equal to constant"
  const choices = e.keyword === 'enum' ? (e.params.allowedValues as unknown[]) : e.keyword === 'const' ? errors.filter((x) => x.keyword === 'const' && x.instancePath === e.instancePath).map((x) => x.params.allowedValue) : undefined;
  if (choices?.length) return `${f}: expected one of ${choices.map((c) => JSON.stringify(c)).join(', ')}, got ${got}`;
  if (e.keyword === 'type') {
    const t = e.params.type;
    return `${f}: expected ${Array.isArray(t) ? t.join(' or ') : String(t)}, got ${got}`;
  }
  if (e.keyword in RANGE) return `${f}: expected a number ${RANGE[e.keyword]} ${String(e.params.limit ?? e.params[e.keyword] ?? at(schema, e.schemaPath.replace(/^#/, '') + '/' + e.keyword) ?? '')}, got ${got}`.replace(/ ,/, ',');
  if (e.keyword === 'maxLength' || e.keyword === 'minLength') return `${f}: ${e.message}, got ${got}`;
  return `${f}: ${e.message}, got ${got}`;
}

/**
 * A JSON body's check compiled once: undefined when the value is valid, else the sentence a 400
 * carries. The /classify fast path checks with this, so it refuses what the route's schema refuses
 * in the same words.
 */
export function bodyCheck(schema: TSchema): (value: unknown) => string | undefined {
  const check = Compile(schema);
  return (value) => (check.Check(value) ? undefined : explainErrors('body', value, check.Errors(value) as unknown as TbError[], schema));
}

export const validatorCompiler: FastifySchemaCompiler<TSchema> = ({ schema, httpPart }) => {
  const check = Compile(schema);
  const part = httpPart === 'body' ? 'body' : httpPart === 'querystring' ? 'query' : httpPart === 'params' ? 'path' : String(httpPart);
  return (input: unknown) => {
    const value = httpPart === 'body' ? input : Value.Convert(schema, input);
    if (check.Check(value)) return { value };
    return { error: new RequestValidationError(explainErrors(part, value, check.Errors(value) as unknown as TbError[], schema)) };
  };
};
