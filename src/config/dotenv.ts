/**
 * A `.env` file (seed 002 kept its API keys and thresholds in one) read into name → value with the
 * line each came from, so a bad value can be reported as ".env line 7 (API_TIMEOUT)".
 *
 * Why our own and not `process.loadEnvFile()`: that writes straight into process.env and forgets
 * where a value came from; `config show` must say it, and variables already set in the
 * environment must win over the file (the loader decides that, not this parser).
 *
 * Accepted: `NAME=value`, `export NAME=value`, `# comments`, blank lines, values in single quotes
 * (taken as written) or double quotes (\n, \t, \", \\ escapes), and a ` # comment` after an
 * unquoted value. Anything else is an error naming the file and line.
 */
import { UserError } from '../util/errors.js';

export interface DotenvEntry {
  readonly value: string;
  readonly line: number;
}

export function parseDotenv(text: string, file: string): Map<string, DotenvEntry> {
  const out = new Map<string, DotenvEntry>();
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i];
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new UserError(`${file} line ${i + 1}: expected NAME=value, got "${line.slice(0, 60)}"`);
    const [, name, rest] = m;
    let value: string;
    if (rest.startsWith("'")) {
      const end = rest.indexOf("'", 1);
      if (end < 0) throw new UserError(`${file} line ${i + 1}: ${name}: the single quote is never closed`);
      value = rest.slice(1, end);
    } else if (rest.startsWith('"')) {
      let j = 1;
      let v = '';
      for (; j < rest.length && rest[j] !== '"'; j++) {
        if (rest[j] === '\\' && j + 1 < rest.length) {
          const c = rest[++j];
          v += c === 'n' ? '\n' : c === 't' ? '\t' : c === 'r' ? '\r' : c;
        } else v += rest[j];
      }
      if (j >= rest.length) throw new UserError(`${file} line ${i + 1}: ${name}: the double quote is never closed`);
      value = v;
    } else {
      const hash = rest.search(/\s#/);
      value = (hash >= 0 ? rest.slice(0, hash) : rest).trim();
    }
    out.set(name, { value, line: i + 1 });
  }
  return out;
}
