/**
 * Whether a service the tests use runs on this machine (PostgreSQL on 127.0.0.1:5432, NATS on
 * :4222): a TCP connect with a one-second timeout. Tests that need one skip, saying why, when it is
 * absent outside CI, and fail in CI (CI=true), where the services must be there.
 */
import net from 'node:net';

export function reachable(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port, timeout: 1000 });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
  });
}

/** PostgreSQL on 127.0.0.1:5432 answers */
export function pgReachable(): Promise<boolean> {
  return reachable(5432);
}

/** Drop the tests' PostgreSQL schemas (each a test's own, made through ?schema=NAME) and what they hold. */
export async function dropPgSchemas(...names: readonly string[]): Promise<void> {
  await dropPgSchemasIn('postgres://postgres@127.0.0.1:5432/test', names);
}

/** The same in another database than the tests' usual one (a URL without ?schema=). */
export async function dropPgSchemasIn(database: string, names: readonly string[]): Promise<void> {
  const pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: database });
  await c.connect();
  try {
    for (const n of names) await c.query(`DROP SCHEMA IF EXISTS ${n} CASCADE`);
  } finally {
    await c.end();
  }
}
