/**
 * Which store errors waiting cannot heal. A worker retries a failed store step through an outage
 * (src/stream/outage-retry.ts): a refused or reset connection, a timeout, a restarting or
 * overloaded PostgreSQL, a busy SQLite file all pass. A wrong password, a database or schema that
 * does not exist, a permission the store's user lacks, a table that is not ours, a read-only
 * standby or file do not: retried, they kept `stream --balance` waiting forever on one repeated
 * line. This names them, with what to fix, so the caller can end with one line instead.
 *
 * Anything not recognised here is taken as passing (retried, as before): only errors whose code
 * says they last end a worker, as a UserError (exit 2) when the fix is the user's, as an internal
 * error (exit 70) for another PostgreSQL syntax or access-rule error (class 42: our SQL).
 */
import { UserError } from '../util/errors.js';

/** PostgreSQL SQLSTATEs (and classes) the user fixes in the store or its URL, with the fix */
const PG_LASTING: readonly [RegExp, string][] = [
  [/^28/, "check the user and password of the store URL (--store or NETSENTINEL_STORE) and the server's pg_hba.conf"],
  [/^3D000$/, 'create the database, or name an existing one in the store URL'],
  [/^3F000$/, 'create the schema, or name another with ?schema= in the store URL'],
  [/^42501$/, "grant the store URL's user SELECT, INSERT, UPDATE and DELETE on the schema's tables (or name a schema it owns with ?schema=)"],
  [/^42(P01|703|804)$/, "the schema's tables are missing or are not netsentinel's: name another schema (?schema=) or database in the store URL"],
  [/^25006$/, 'the server is a read-only standby: point the store URL at the primary'],
];

/** SQLite result codes the user fixes in the file, with the fix */
const SQLITE_LASTING: readonly [RegExp, string][] = [
  [/^SQLITE_READONLY/, 'make the database file and its folder writable by this user'],
  [/^SQLITE_(CORRUPT|NOTADB)/, 'the file is not a netsentinel database, or is damaged: name another file'],
  [/^SQLITE_(PERM|AUTH)/, 'the file may not be written by this process: check its permissions'],
];

/** "no such table", "has no column named ..." (SQLITE_ERROR): the file's tables are not ours */
const SQLITE_WRONG_TABLE = /no such (table|column)|has no column named/;

/**
 * An error naming `what` (e.g. "stream: the lease round in sqlite:x.db"), the store's own
 * message and what to fix, when `e` is a store error that waiting cannot heal; else undefined.
 */
export function lastingStoreError(e: unknown, what: string): Error | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const code = (e as { code?: unknown }).code;
  if (typeof code !== 'string') return undefined;
  const message = String((e as { message?: unknown }).message ?? '').split('\n')[0];
  let fix: string | undefined;
  // a PostgreSQL server's answer carries a severity; a connection error (ECONNREFUSED ...) does not
  if ('severity' in e) fix = PG_LASTING.find(([re]) => re.test(code))?.[1];
  else if (code.startsWith('SQLITE_')) {
    fix = SQLITE_LASTING.find(([re]) => re.test(code))?.[1];
    if (!fix && code === 'SQLITE_ERROR' && SQLITE_WRONG_TABLE.test(message)) fix = "the file's tables are not netsentinel's: name another database file";
  }
  if (fix) return new UserError(`${what} failed: ${message} (${code}); this does not pass by waiting: ${fix}`);
  // any other syntax or access-rule error is our SQL's, not the user's: an internal error (exit 70)
  if ('severity' in e && code.startsWith('42')) return new Error(`${what} failed: ${message} (${code})`);
  return undefined;
}
