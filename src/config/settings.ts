/**
 * The effective settings of a run, merged from five layers, highest first:
 *
 *   1. command-line flags       --intel-timeout-seconds 3
 *   2. the environment          NETSENTINEL_INTEL_TIMEOUT_SECONDS=3 (or a seed alias: API_TIMEOUT=3)
 *   3. a .env file              same names; --env-file, NETSENTINEL_ENV_FILE, or ./.env when present
 *   4. the config file          intel: { timeoutSeconds: 3 }; --config or NETSENTINEL_CONFIG (YAML/JSON)
 *   5. defaults                 src/config/setting-keys.ts
 *
 * One name everywhere: section.key ~ NETSENTINEL_SECTION_KEY ~ --section-key (camelCase segments
 * become SNAKE_CASE / kebab-case). Within a layer the NETSENTINEL_ name wins over a seed alias.
 * The .env file never overrides a variable already in the environment. A relative path written in
 * the config file or the .env file is read from that file's folder, one typed as a flag or set in
 * the environment from the current directory (relative-paths.ts). Every value remembers
 * where it came from (`config show` prints it), and a bad value is a UserError naming the key and
 * that place (file, .env line, variable or flag).
 *
 * The analysis sections (thresholds, weights, alerts, rules, store) are still parsed by
 * analysis-config.ts from the same file, and `config show` lists them as that loader reads them;
 * this loader serves everything else.
 * Other folders read their section through `get(key)` / the typed getters, or `section(name)`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import type * as YAMLModule from 'yaml';
import { UserError } from '../util/errors.js';
import { errnoCause } from '../util/fs-errors.js';
import { parseDotenv, type DotenvEntry } from './dotenv.js';
import { dotenvPathsFrom } from './dotenv-paths.js';
import { configFilePathsFrom } from './config-file-paths.js';
import { CONFIG_SECTIONS, SETTING_KEYS, envNameOf, flagNameOf, isSecretKey, type SettingKey } from './setting-keys.js';

export type SettingSource = 'flag' | 'environment' | '.env' | 'file' | 'default';

export interface SettingValue {
  readonly key: string;
  readonly value: unknown;
  readonly source: SettingSource;
  /** where exactly: "--intel-timeout-seconds", "NETSENTINEL_X", "API_TIMEOUT", "/etc/ns/.env line 4", "/etc/ns/config.yaml" */
  readonly origin: string;
  readonly secret: boolean;
}

export interface SettingsOptions {
  /** --config; else NETSENTINEL_CONFIG (environment, then .env) */
  readonly configFile?: string;
  /** --env-file; else NETSENTINEL_ENV_FILE; else ./.env when it exists */
  readonly envFile?: string;
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** flag values by setting key, e.g. { 'intel.timeoutSeconds': 3 } (undefined = not given) */
  readonly flags?: Readonly<Record<string, unknown>>;
  readonly cwd?: string;
  readonly keys?: readonly SettingKey[];
}

/** The precedence, worded once for every --help that mentions settings. */
export const SETTINGS_PRECEDENCE =
  'Settings, highest first: flags > environment (NETSENTINEL_SECTION_KEY, or seed 002 names such as IPQS_API_KEY, API_TIMEOUT, LOG_LEVEL) > .env file (--env-file, NETSENTINEL_ENV_FILE, else ./.env) > config file (--config, NETSENTINEL_CONFIG) > defaults. See `netsentinel config show`. A relative path in the config file or the .env file is read from that file\'s folder; on the command line or in the environment, from the current directory.';

/**
 * `yaml`, required on first use: loading it took ~40 ms of CPU in every command that reads settings
 * (analyze always does), and only a YAML config file needs it. require() loads the same file an
 * import does (the package's "node" export is its CommonJS build) and keeps this function synchronous.
 */
let yamlModule: typeof YAMLModule | undefined;
const yaml = (): typeof YAMLModule => (yamlModule ??= createRequire(import.meta.url)('yaml') as typeof YAMLModule);

/** Read a YAML or JSON configuration file into a plain object (null/empty → {}), its relative paths resolved from its folder. */
export function readConfigDocument(file: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new UserError(`cannot read the configuration ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : errnoCause(e)}`);
  }
  const json = /\.json$/i.test(file);
  let doc: unknown;
  try {
    doc = json ? JSON.parse(text) : yaml().parse(text);
  } catch (e) {
    throw new UserError(`${file}: not valid ${json ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (doc === null || doc === undefined) return {};
  if (typeof doc !== 'object' || Array.isArray(doc)) throw new UserError(`${file}: the configuration must be a mapping of sections to values`);
  // its paths are relative to its folder (config-file-paths.ts)
  return configFilePathsFrom(doc as Record<string, unknown>, file);
}

/** Nested mapping → "a.b.c" leaves (arrays are leaves). */
function flatten(doc: Record<string, unknown>, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  for (const [k, v] of Object.entries(doc)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) flatten(v as Record<string, unknown>, key, out);
    else out.set(key, v);
  }
  return out;
}

/** NETSENTINEL_SMTP_HOST → smtp.host; NETSENTINEL_INTEL_CACHE_TTL → intel.cacheTtl (for names no key claims). */
function keyOfEnvName(name: string): string | undefined {
  const parts = name.slice('NETSENTINEL_'.length).toLowerCase().split('_').filter(Boolean);
  if (!parts.length || !CONFIG_SECTIONS.includes(parts[0])) return undefined;
  if (parts.length === 1) return parts[0];
  return parts[0] + '.' + parts[1] + parts.slice(2).map((p) => p[0].toUpperCase() + p.slice(1)).join('');
}

export class Settings {
  readonly configFile: string | undefined;
  readonly envFile: string | undefined;
  private readonly flags: Readonly<Record<string, unknown>>;
  private readonly env: Readonly<Record<string, string | undefined>>;
  private readonly dotenv: Map<string, DotenvEntry>;
  private readonly file: Map<string, unknown>;
  private readonly keys: readonly SettingKey[];
  /** the files located (and the environment over the .env file), for `variable` */
  readonly files: SettingsFiles;

  constructor(parts: {
    configFile?: string;
    envFile?: string;
    flags: Readonly<Record<string, unknown>>;
    env: Readonly<Record<string, string | undefined>>;
    dotenv: Map<string, DotenvEntry>;
    file: Map<string, unknown>;
    keys: readonly SettingKey[];
    files: SettingsFiles;
  }) {
    this.configFile = parts.configFile;
    this.envFile = parts.envFile;
    this.flags = parts.flags;
    this.env = parts.env;
    this.dotenv = parts.dotenv;
    this.file = parts.file;
    this.keys = parts.keys;
    this.files = parts.files;
  }

  /** A variable (NETSENTINEL_STORE, ...) as every verb reads it: the environment, else the .env file. */
  variable(name: string): VariableValue | undefined {
    return this.files.variable(name);
  }

  /** The value of `key` with where it came from, or undefined when no layer sets it and it has no default. */
  lookup(key: string): SettingValue | undefined {
    const secret = isSecretKey(key);
    const row = this.keys.find((k) => k.key === key);
    const names = [envNameOf(key), ...(row?.aliases ?? [])];
    const flag = this.flags[key];
    if (flag !== undefined) return { key, value: flag, source: 'flag', origin: flagNameOf(key), secret };
    for (const n of names) {
      const v = this.env[n];
      if (v !== undefined && v !== '') return { key, value: v, source: 'environment', origin: n, secret };
    }
    for (const n of names) {
      const e = this.dotenv.get(n);
      if (e !== undefined && e.value !== '') return { key, value: e.value, source: '.env', origin: `${this.envFile} line ${e.line} (${n})`, secret };
    }
    if (this.file.has(key)) return { key, value: this.file.get(key), source: 'file', origin: this.configFile!, secret };
    if (row?.default !== undefined) return { key, value: row.default, source: 'default', origin: 'default', secret };
    return undefined;
  }

  /** As text (the contract every folder can take before it knows this class): undefined when unset. */
  get(key: string): string | undefined {
    const v = this.lookup(key)?.value;
    if (v === undefined || v === null) return undefined;
    return Array.isArray(v) ? v.join(',') : String(v);
  }

  /** A view of one section: `settings.section('smtp').get('host')` reads smtp.host. */
  section(name: string): { get(key: string): string | undefined; lookup(key: string): SettingValue | undefined } {
    return { get: (k) => this.get(`${name}.${k}`), lookup: (k) => this.lookup(`${name}.${k}`) };
  }

  private bad(v: SettingValue, what: string): UserError {
    return new UserError(`${placeOf(v)}: ${v.key} must be ${what}, got ${JSON.stringify(v.secret ? maskValue(v.value) : v.value)}`);
  }

  /** The error for a value a reader finds wrong: "<place>: <key> must be <what>, got <value>". */
  invalid(key: string, what: string): UserError {
    const v = this.lookup(key);
    return v ? this.bad(v, what) : new UserError(`${key} must be ${what}`);
  }

  string(key: string): string | undefined {
    const v = this.lookup(key);
    if (v === undefined || v.value === null) return undefined;
    if (typeof v.value === 'object') throw this.bad(v, 'a single value');
    return String(v.value);
  }

  number(key: string, range: { min?: number; max?: number; above?: number; integer?: boolean } = {}): number | undefined {
    const v = this.lookup(key);
    if (v === undefined || v.value === null) return undefined;
    const n = typeof v.value === 'number' ? v.value : typeof v.value === 'string' && v.value.trim() !== '' ? Number(v.value) : NaN;
    const parts: string[] = [range.integer ? 'a whole number' : 'a number'];
    if (range.above !== undefined) parts.push(`> ${range.above}`);
    if (range.min !== undefined) parts.push(`≥ ${range.min}`);
    if (range.max !== undefined) parts.push(`≤ ${range.max}`);
    const ok =
      Number.isFinite(n) &&
      (!range.integer || Number.isInteger(n)) &&
      (range.above === undefined || n > range.above) &&
      (range.min === undefined || n >= range.min) &&
      (range.max === undefined || n <= range.max);
    if (!ok) throw this.bad(v, parts.join(' '));
    return n;
  }

  bool(key: string): boolean | undefined {
    const v = this.lookup(key);
    if (v === undefined || v.value === null) return undefined;
    if (typeof v.value === 'boolean') return v.value;
    const s = String(v.value).trim().toLowerCase();
    if (['1', 'true', 'yes', 'on'].includes(s)) return true;
    if (['0', 'false', 'no', 'off'].includes(s)) return false;
    throw this.bad(v, 'true or false');
  }

  /** A list: a YAML/JSON array, or comma-separated text. */
  list(key: string): string[] | undefined {
    const v = this.lookup(key);
    if (v === undefined || v.value === null) return undefined;
    if (Array.isArray(v.value)) return v.value.map((x) => String(x));
    if (typeof v.value === 'object') throw this.bad(v, 'a list');
    return String(v.value).split(',').map((s) => s.trim()).filter(Boolean);
  }

  /** One of `choices` (case-insensitive; returned as written in choices). */
  choice<T extends string>(key: string, choices: readonly T[], synonyms: Readonly<Record<string, T>> = {}): T | undefined {
    const s = this.string(key);
    if (s === undefined) return undefined;
    const l = s.trim().toLowerCase();
    const hit = choices.find((c) => c.toLowerCase() === l) ?? synonyms[l];
    if (!hit) throw this.bad(this.lookup(key)!, `one of ${choices.join(', ')}`);
    return hit;
  }

  /** Every known or set key with its effective value and source, sorted by key. */
  entries(): SettingValue[] {
    const keys = new Set<string>(this.keys.map((k) => k.key));
    for (const k of this.file.keys()) keys.add(k);
    for (const k of Object.keys(this.flags)) if (this.flags[k] !== undefined) keys.add(k);
    const envNames = [...Object.keys(this.env), ...this.dotenv.keys()];
    const claimed = new Set<string>();
    for (const k of keys) claimed.add(envNameOf(k));
    for (const n of envNames) {
      if (!n.startsWith('NETSENTINEL_') || claimed.has(n)) continue;
      const k = keyOfEnvName(n);
      if (k) keys.add(k);
    }
    const out: SettingValue[] = [];
    for (const k of [...keys].sort()) {
      const v = this.lookup(k);
      if (v) out.push(v);
    }
    return out;
  }

  /** The values of every secret that is set, for the logger to scrub from anything it writes. */
  secretValues(): string[] {
    const out = new Set<string>();
    for (const e of this.entries()) if (e.secret && e.value !== undefined && e.value !== null && String(e.value).length >= 4) out.add(String(e.value));
    for (const e of this.entries()) {
      const pw = typeof e.value === 'string' ? urlPassword(e.value) : undefined;
      if (pw && pw.length >= 4) out.add(pw);
    }
    return [...out];
  }
}

/** Where a value came from, as an error message starts: "config.yaml", "environment variable X", ".env line 3 (X)". */
export function placeOf(v: SettingValue): string {
  switch (v.source) {
    case 'environment':
      return `environment variable ${v.origin}`;
    case 'flag':
      return `option ${v.origin}`;
    case 'default':
      return 'the default';
    default:
      return v.origin;
  }
}

function urlPassword(s: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/[^/:@\s]*:([^@/\s]+)@/i.exec(s);
  return m ? decodeURIComponent(m[1]) : undefined;
}

/** A secret as it may be shown: that it is set and how long, never any of it. */
export function maskValue(v: unknown): string {
  if (v === undefined || v === null || v === '') return '';
  return `•••• (set, ${String(v).length} characters)`;
}

/** A value as `config show` prints it: secrets masked, passwords inside URLs masked. */
export function shownValue(e: SettingValue): unknown {
  if (e.secret) return maskValue(e.value);
  if (typeof e.value === 'string' && urlPassword(e.value) !== undefined) return e.value.replace(/^([a-z][a-z0-9+.-]*:\/\/[^/:@\s]*:)([^@/\s]+)@/i, '$1****@');
  return e.value;
}

/** A variable as every verb reads it, with where it was found. */
export interface VariableValue {
  readonly value: string;
  readonly source: 'environment' | '.env';
  /** "NETSENTINEL_STORE", or "/srv/ns/.env line 3 (NETSENTINEL_STORE)" */
  readonly origin: string;
}

/**
 * The files a run's settings come from, located once for every verb: the .env file (--env-file,
 * else NETSENTINEL_ENV_FILE, else ./.env when present) and the config file (--config, else
 * NETSENTINEL_CONFIG from the environment, else from that .env file). Reading them is cheap: the
 * config file is named here, not parsed (the analysis runs parse it with their own loader).
 */
export interface SettingsFiles {
  readonly configFile: string | undefined;
  readonly envFile: string | undefined;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly dotenv: Map<string, DotenvEntry>;
  /** `name` from the environment, else from the .env file (an empty value counts as unset) */
  variable(name: string): VariableValue | undefined;
}

export function locateSettings(opts: Pick<SettingsOptions, 'configFile' | 'envFile' | 'env' | 'cwd'> = {}): SettingsFiles {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  // set but empty is unset, as NETSENTINEL_CONFIG (`NETSENTINEL_ENV_FILE= netsentinel ...` read the current folder as the file: EISDIR)
  let envFile = opts.envFile ?? (env.NETSENTINEL_ENV_FILE || undefined);
  let dotenv = new Map<string, DotenvEntry>();
  if (envFile !== undefined) {
    envFile = resolve(cwd, envFile);
    let text: string;
    try {
      text = readFileSync(envFile, 'utf8');
    } catch (e) {
      throw new UserError(`cannot read the .env file ${envFile}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
    }
    dotenv = parseDotenv(text, envFile);
  } else if (existsSync(resolve(cwd, '.env'))) {
    envFile = resolve(cwd, '.env');
    dotenv = parseDotenv(readFileSync(envFile, 'utf8'), envFile);
  }
  // paths in the .env file are relative to its folder (dotenv-paths.ts); the environment's to the cwd
  if (envFile !== undefined) dotenv = dotenvPathsFrom(dotenv, dirname(envFile), envFile);
  const configFile = opts.configFile ?? (env.NETSENTINEL_CONFIG || undefined) ?? (dotenv.get('NETSENTINEL_CONFIG')?.value || undefined);
  const file = envFile;
  return {
    configFile,
    envFile,
    env,
    dotenv,
    variable(name) {
      const v = env[name];
      if (v !== undefined && v !== '') return { value: v, source: 'environment', origin: name };
      const e = dotenv.get(name);
      if (e !== undefined && e.value !== '') return { value: e.value, source: '.env', origin: `${file} line ${e.line} (${name})` };
      return undefined;
    },
  };
}

/** The files of a verb's parsed options (--config, --env-file). */
export function settingsFilesFromArgs(values: Readonly<Record<string, unknown>>): SettingsFiles {
  return locateSettings({ configFile: values.config as string | undefined, envFile: values.envFile as string | undefined });
}

export function loadSettings(opts: SettingsOptions = {}): Settings {
  const cwd = opts.cwd ?? process.cwd();
  const keys = opts.keys ?? SETTING_KEYS;
  const files = locateSettings(opts);
  const { configFile, envFile, env, dotenv } = files;
  const file = configFile !== undefined ? flatten(readConfigDocument(resolve(cwd, configFile))) : new Map<string, unknown>();
  const flags: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(opts.flags ?? {})) if (v !== undefined) flags[k] = v;
  return new Settings({ configFile, envFile, flags, env, dotenv, file, keys, files });
}

/** --env-file, as every verb that reads settings spells it. */
export const ENV_FILE_OPTION = { name: 'env-file', type: 'string', value: 'FILE', description: '.env file of NAME=value lines (also NETSENTINEL_ENV_FILE; default ./.env when present)' } as const;

/** Option rows every verb that reads settings can spread into its spec. */
export const SETTINGS_OPTIONS = [
  { name: 'config', short: 'c', type: 'string', value: 'FILE', description: "YAML/JSON configuration file (also NETSENTINEL_CONFIG); the relative paths in it are from its folder" },
  ENV_FILE_OPTION,
] as const;

/** The settings for a verb from its parsed options (--config, --env-file) and flag values by key. */
export function settingsFromArgs(values: Readonly<Record<string, unknown>>, flags: Readonly<Record<string, unknown>> = {}): Settings {
  return loadSettings({ configFile: values.config as string | undefined, envFile: values.envFile as string | undefined, flags });
}
