/**
 * Command-line options declared once, as data: parsing (node:util parseArgs), validation with
 * one-line errors, and --help text that prints every default, all come from the same table.
 * A small layer of our own rather than a framework: the verbs are few and we want the help and
 * the error wording exactly as the user-experience guide asks.
 */
import { parseArgs } from 'node:util';
import { UserError } from '../util/errors.js';
import { closestName } from '../util/closest-name.js';

export type OptionType = 'string' | 'number' | 'integer' | 'boolean' | 'list';

export interface OptionSpec {
  readonly name: string; // long name, kebab-case: "fail-on"
  readonly short?: string;
  readonly type: OptionType;
  readonly description: string;
  readonly default?: string | number | boolean;
  /** value placeholder in help, e.g. FILE */
  readonly value?: string;
  /** allowed values for a string option */
  readonly choices?: readonly string[];
  /** like --help, the option answers on its own: given it, the verb needs no positional arguments */
  readonly answersAlone?: boolean;
  /** number/integer options: the allowed range (an open bound excludes its value); shown by --help */
  readonly range?: NumberRange;
}

export interface NumberRange {
  readonly min?: number;
  readonly max?: number;
  /** min itself is not allowed (e.g. --eps > 0) */
  readonly minOpen?: boolean;
  /** max itself is not allowed */
  readonly maxOpen?: boolean;
}

/** The most worker threads any verb takes: more than this is a typo, not a machine. */
export const MAX_THREADS = 256;

/** The range every --threads option shares. */
export const THREADS_RANGE: NumberRange = { min: 1, max: MAX_THREADS };

/** "from 1 to 256", "between 0 and 1", "greater than 0", ... */
export function describeRange(r: NumberRange, integer: boolean): string {
  const { min, max } = r;
  if (min !== undefined && max !== undefined) {
    if (integer && !r.minOpen && !r.maxOpen) return `from ${min} to ${max}`;
    if (r.minOpen && r.maxOpen) return `strictly between ${min} and ${max}`;
    if (!r.minOpen && !r.maxOpen) return `between ${min} and ${max}`;
    return `${r.minOpen ? `greater than ${min}` : `at least ${min}`} and ${r.maxOpen ? `less than ${max}` : `at most ${max}`}`;
  }
  if (min !== undefined) return r.minOpen ? `greater than ${min}` : `at least ${min}`;
  if (max !== undefined) return r.maxOpen ? `less than ${max}` : `at most ${max}`;
  return 'any number';
}

function inRange(n: number, r: NumberRange): boolean {
  if (r.min !== undefined && (r.minOpen ? !(n > r.min) : !(n >= r.min))) return false;
  if (r.max !== undefined && (r.maxOpen ? !(n < r.max) : !(n <= r.max))) return false;
  return true;
}

/**
 * node:util parseArgs takes "-1" after "--threads" for an option of its own and says "ambiguous";
 * a value that looks like a (negative) number is the option's value, so glue it on as
 * --name=VALUE, and the range check can say what the real trouble is.
 */
function glueNegativeValues(argv: readonly string[], options: readonly OptionSpec[]): string[] {
  const byFlag = new Map<string, OptionSpec>();
  for (const o of options) {
    if (o.type === 'boolean') continue;
    byFlag.set(`--${o.name}`, o);
    if (o.short) byFlag.set(`-${o.short}`, o);
  }
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') {
      out.push(...argv.slice(i));
      break;
    }
    const o = byFlag.get(a);
    const next = argv[i + 1];
    if (o && next !== undefined && /^-(\d|\.\d|inf)/i.test(next)) {
      out.push(`--${o.name}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly usage: string; // after "netsentinel VERB "
  readonly description?: string;
  readonly options: readonly OptionSpec[];
  readonly examples: readonly string[];
  /** positional arguments: minimum and maximum count */
  /**
   * `each` names the required positionals one by one, so that a command given its first says the
   * one still missing ("missing DATA") rather than all of them ("missing MODEL and DATA")
   */
  readonly positionals?: { readonly min: number; readonly max?: number; readonly name: string; readonly each?: readonly string[] };
  /** what --json prints, for a verb whose results are rows (JSON lines), not one JSON document */
  readonly json?: string;
}

export const COMMON_OPTIONS: readonly OptionSpec[] = [
  { name: 'json', type: 'boolean', description: 'print one JSON document on stdout instead of text' },
  { name: 'quiet', short: 'q', type: 'boolean', description: 'no progress on stderr' },
  { name: 'debug', type: 'boolean', description: 'show stack traces for internal errors' },
  { name: 'help', short: 'h', type: 'boolean', description: 'show this help' },
];

export interface ParsedArgs {
  readonly values: Record<string, string | number | boolean | string[] | undefined>;
  readonly positionals: string[];
}

const GIVEN = Symbol('options given');

/**
 * Whether the user gave option `name` (camelCase) on the command line; undefined for values not
 * made by parseCommand (tests building them by hand), where callers fall back to comparing with the default.
 */
export function wasGiven(values: ParsedArgs['values'], name: string): boolean | undefined {
  const given = (values as { [GIVEN]?: Set<string> })[GIVEN];
  return given ? given.has(name) : undefined;
}

export function parseCommand(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const all = [...spec.options, ...COMMON_OPTIONS];
  const config: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const o of all) {
    config[o.name] = {
      type: o.type === 'boolean' ? 'boolean' : 'string',
      ...(o.short ? { short: o.short } : {}),
      ...(o.type === 'list' ? { multiple: true } : {}),
    };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: glueNegativeValues(argv, all), options: config, allowPositionals: true, strict: true });
  } catch (e) {
    let msg = (e as Error).message.replace(/^(TypeError|Error)[^:]*: /, '').split('\n')[0];
    // Node's text for a typo ("Unknown option '--basline'. To specify a positional argument starting
    // with a '-', ...") buries the point; say it short, with the option probably meant
    const unknown = /^Unknown option '(-{1,2}[^']*)'/.exec(msg);
    if ((e as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && unknown) {
      const near = closestOption(unknown[1], all);
      msg = `unknown option ${unknown[1]}${near ? `; did you mean --${near}?` : ''}`;
    }
    throw new UserError(`${spec.name}: ${msg} (see 'netsentinel ${spec.name} --help')`);
  }
  const values: ParsedArgs['values'] = {};
  const given = new Set<string>();
  for (const o of all) {
    const raw = (parsed.values as Record<string, unknown>)[o.name];
    if (raw === undefined) {
      values[camel(o.name)] = o.default;
      continue;
    }
    given.add(camel(o.name));
    values[camel(o.name)] = convert(spec.name, o, raw, all);
  }
  // which values the user typed, for settings where a flag must win over the config file even when
  // it names the default (`--store netsentinel.db` against a config's `store:`); not enumerable, so
  // the values still print and compare as before
  Object.defineProperty(values, GIVEN, { value: given, enumerable: false });
  const pos = parsed.positionals;
  const answering = values.help || all.some((o) => o.answersAlone && values[camel(o.name)]);
  if (!answering && spec.positionals) {
    const { min, max, name, each } = spec.positionals;
    if (pos.length < min) {
      const what = pos.length > 0 && each && each.length >= min ? each.slice(pos.length, min).join(' and ') : name;
      throw new UserError(`${spec.name}: missing ${what} (see 'netsentinel ${spec.name} --help')`);
    }
    if (max !== undefined && pos.length > max) {
      throw new UserError(`${spec.name}: too many arguments: ${pos.slice(max).join(' ')} (see 'netsentinel ${spec.name} --help')`);
    }
  }
  return { values, positionals: pos };
}

function convert(cmd: string, o: OptionSpec, raw: unknown, all: readonly OptionSpec[] = []): string | number | boolean | string[] {
  const bad = (what: string): UserError => new UserError(`${cmd}: --${o.name} ${what} (see 'netsentinel ${cmd} --help')`);
  switch (o.type) {
    case 'boolean':
      return raw as boolean;
    case 'list':
      // repeatable, and comma-separated values are split: --drop a,b --drop c; commas inside
      // brackets or quotes stay (--param hidden=[8,4])
      return (raw as string[]).flatMap(splitTopLevelCommas).map((s) => s.trim()).filter(Boolean);
    case 'number':
    case 'integer': {
      const s = String(raw);
      const n = Number(s);
      if (s.trim() === '' || !Number.isFinite(n)) throw bad(`takes a number, got "${s}"`);
      if (o.type === 'integer' && !Number.isInteger(n)) throw bad(`takes a whole number, got "${s}"`);
      if (o.range && !inRange(n, o.range)) throw bad(`must be ${describeRange(o.range, o.type === 'integer')}, got ${s}`);
      return n;
    }
    default: {
      const s = String(raw);
      if (o.choices && !o.choices.includes(s)) {
        // `flows --format jsonl`: the value is right, the option is its neighbour's
        const other = all.find((x) => x !== o && x.choices?.includes(s));
        throw bad(`must be one of ${o.choices.join(', ')}, got "${s}"${other ? ` ("${s}" is a value of --${other.name})` : ''}`);
      }
      return s;
    }
  }
}

/** The option name within two edits of what was typed (or starting with it), else undefined. */
function closestOption(typed: string, all: readonly OptionSpec[]): string | undefined {
  return closestName(typed.replace(/^-+/, '').split('=')[0], all.map((o) => o.name));
}

/** Split at commas that are not inside [], {}, () or quotes. */
export function splitTopLevelCommas(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '[' || c === '{' || c === '(') depth++;
    else if (c === ']' || c === '}' || c === ')') depth = Math.max(0, depth - 1);
    else if (c === ',' && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  out.push(s.slice(start));
  return out;
}

export function camel(s: string): string {
  return s.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
}

export function helpText(spec: CommandSpec): string {
  const lines: string[] = [];
  lines.push(`netsentinel ${spec.name}: ${spec.summary}`, '', `Usage: netsentinel ${spec.name} ${spec.usage}`, '');
  if (spec.description) lines.push(spec.description.trim(), '');
  lines.push('Options:');
  const common = spec.json ? COMMON_OPTIONS.map((o) => (o.name === 'json' ? { ...o, description: spec.json! } : o)) : COMMON_OPTIONS;
  const rows = [...spec.options, ...common].map((o) => {
    const flag = `${o.short ? `-${o.short}, ` : '    '}--${o.name}${o.type === 'boolean' ? '' : ` ${o.value ?? (o.type === 'list' ? 'A,B' : o.type === 'string' ? 'TEXT' : 'N')}`}`;
    let d = o.description;
    if (o.choices) d += ` (${o.choices.join(' | ')})`;
    if (o.range) d += ` (${describeRange(o.range, o.type === 'integer')})`;
    if (o.default !== undefined && o.default !== false) d += ` [default: ${o.default}]`;
    return [flag, d] as const;
  });
  const w = Math.min(34, Math.max(...rows.map(([f]) => f.length)) + 2);
  for (const [f, d] of rows) {
    if (f.length + 2 > w) lines.push(`  ${f}`, `  ${' '.repeat(w)}${d}`);
    else lines.push(`  ${f.padEnd(w)}${d}`);
  }
  lines.push('', 'Examples:');
  for (const e of spec.examples) lines.push(`  ${e}`);
  return lines.join('\n') + '\n';
}

/** "key=value" pairs into an object; values parsed as numbers, booleans or JSON where they look so. */
export function parseKeyValues(cmd: string, flag: string, items: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const it of items) {
    const eq = it.indexOf('=');
    if (eq <= 0) throw new UserError(`${cmd}: --${flag} takes KEY=VALUE, got "${it}"`);
    const key = it.slice(0, eq).trim();
    const raw = it.slice(eq + 1).trim();
    out[key] = parseScalar(raw);
  }
  return out;
}

export function parseScalar(raw: string): unknown {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  if (raw === 'null' || raw === 'none') return null;
  if (raw !== '' && Number.isFinite(Number(raw))) return Number(raw);
  if ((raw.startsWith('[') && raw.endsWith(']')) || (raw.startsWith('{') && raw.endsWith('}'))) {
    try {
      return JSON.parse(raw);
    } catch {
      /* fall through: a plain string */
    }
  }
  return raw;
}
