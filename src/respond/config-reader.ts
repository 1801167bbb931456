/**
 * The small reader every respond/notify section parser shares: a value comes from the environment
 * (NETSENTINEL_<SECTION>_<KEY>, or a seed's historical name such as BACKEND_API_URL) when set
 * there, else from the configuration file's section, else the default; a wrong value is one
 * UserError naming the file and key (or the variable) and what it must be.
 *
 * Pure: the caller passes the section as parsed from the file, the environment as a plain object
 * or a `{ get(key) }` (the settings loader's), and the file name for messages.
 */
import { UserError } from '../util/errors.js';
import { parseDuration } from './decision.js';

export type Env = Readonly<Record<string, string | undefined>> | { get(key: string): string | undefined };

export function envGet(env: Env, key: string): string | undefined {
  const v = typeof (env as { get?: unknown }).get === 'function' ? (env as { get(k: string): string | undefined }).get(key) : (env as Record<string, string | undefined>)[key];
  return v === undefined || v === '' ? undefined : v;
}

/** "maxRetries" → "MAX_RETRIES" */
export function envName(section: string, key: string): string {
  const snake = (s: string): string => s.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[.-]/g, '_').toUpperCase();
  return `NETSENTINEL_${snake(section)}_${snake(key)}`;
}

export class SectionReader {
  private readonly section: Record<string, unknown>;
  constructor(
    section: unknown,
    private readonly env: Env,
    private readonly file: string,
    private readonly name: string,
    known: readonly string[],
  ) {
    if (section !== undefined && section !== null && (typeof section !== 'object' || Array.isArray(section))) {
      throw new UserError(`${file}: ${name} must be a mapping of keys to values`);
    }
    this.section = (section ?? {}) as Record<string, unknown>;
    for (const k of Object.keys(this.section)) {
      if (!known.includes(k)) throw new UserError(`${file}: unknown key "${name}.${k}" (known: ${known.join(', ')})`);
    }
  }

  /** the raw value and where it came from ("file: key" or "$VAR") */
  raw(key: string, aliases: readonly string[] = []): { value: unknown; where: string } | undefined {
    for (const v of [envName(this.name, key), ...aliases]) {
      const e = envGet(this.env, v);
      if (e !== undefined) return { value: e, where: `environment variable ${v}` };
    }
    if (this.section[key] !== undefined && this.section[key] !== null) return { value: this.section[key], where: `${this.file}: ${this.name}.${key}` };
    return undefined;
  }

  has(key: string, aliases: readonly string[] = []): boolean {
    return this.raw(key, aliases) !== undefined;
  }

  string(key: string, def: string, aliases?: readonly string[]): string;
  string(key: string, def: undefined, aliases?: readonly string[]): string | undefined;
  string(key: string, def: string | undefined, aliases: readonly string[] = []): string | undefined {
    const r = this.raw(key, aliases);
    if (!r) return def;
    if (typeof r.value !== 'string' && typeof r.value !== 'number') throw new UserError(`${r.where} must be text, got ${JSON.stringify(r.value)}`);
    return String(r.value);
  }

  number(key: string, def: number, check: (n: number) => boolean, expected: string, aliases: readonly string[] = []): number {
    const r = this.raw(key, aliases);
    if (!r) return def;
    const n = typeof r.value === 'string' && r.value.trim() !== '' ? Number(r.value) : r.value;
    if (typeof n !== 'number' || !Number.isFinite(n) || !check(n)) throw new UserError(`${r.where} must be ${expected}, got ${JSON.stringify(r.value)}`);
    return n;
  }

  boolean(key: string, def: boolean, aliases: readonly string[] = []): boolean {
    const r = this.raw(key, aliases);
    if (!r) return def;
    if (typeof r.value === 'boolean') return r.value;
    if (typeof r.value === 'string' && /^(true|yes|1|on)$/i.test(r.value)) return true;
    if (typeof r.value === 'string' && /^(false|no|0|off)$/i.test(r.value)) return false;
    throw new UserError(`${r.where} must be true or false, got ${JSON.stringify(r.value)}`);
  }

  /** a list: a YAML sequence, or comma-separated text (environment) */
  list(key: string, def: readonly string[], aliases: readonly string[] = []): string[] {
    const r = this.raw(key, aliases);
    if (!r) return [...def];
    if (typeof r.value === 'string') return r.value.split(',').map((s) => s.trim()).filter(Boolean);
    if (Array.isArray(r.value) && r.value.every((x) => typeof x === 'string' || typeof x === 'number')) return r.value.map(String);
    throw new UserError(`${r.where} must be a list of text values, got ${JSON.stringify(r.value)}`);
  }

  duration(key: string, def: number): number {
    const r = this.raw(key);
    if (!r) return def;
    return parseDuration(typeof r.value === 'number' ? r.value : String(r.value), r.where);
  }

  choice<T extends string>(key: string, def: T, choices: readonly T[], aliases: readonly string[] = []): T {
    const r = this.raw(key, aliases);
    if (!r) return def;
    const v = String(r.value).toLowerCase() as T;
    if (!choices.includes(v)) throw new UserError(`${r.where} must be one of ${choices.join(', ')}, got ${JSON.stringify(r.value)}`);
    return v;
  }

  /** a nested mapping (never from the environment), checked for known keys */
  mapping(key: string, known: readonly string[]): Record<string, unknown> {
    const v = this.section[key];
    if (v === undefined || v === null) return {};
    if (typeof v !== 'object' || Array.isArray(v)) throw new UserError(`${this.file}: ${this.name}.${key} must be a mapping`);
    for (const k of Object.keys(v)) {
      if (!known.includes(k)) throw new UserError(`${this.file}: unknown key "${this.name}.${key}.${k}" (known: ${known.join(', ')})`);
    }
    return v as Record<string, unknown>;
  }

  where(key: string): string {
    return `${this.file}: ${this.name}.${key}`;
  }
}
