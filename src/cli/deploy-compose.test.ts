/**
 * docs/deploy.md's docker compose file, as far as it can be checked without Docker: it parses as
 * YAML (merge keys resolved, as compose does), has NATS, PostgreSQL, the workers and the HTTP
 * service on the same store, and every netsentinel verb and --flag its commands use exists in the
 * CLI (each verb's --help lists it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

// the compose file's commands run the netsentinel command from the package's folder
const BIN = fileURLToPath(new URL('../../bin/netsentinel', import.meta.url));
const DOC = fileURLToPath(new URL('../../docs/deploy.md', import.meta.url));

interface Service {
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
  deploy?: { replicas?: number };
}

function composeFile(): { services: Record<string, Service> } {
  const md = readFileSync(DOC, 'utf8');
  const blocks = [...md.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => m[1]).filter((b) => /^services:/m.test(b));
  assert.equal(blocks.length, 1, 'one compose file in docs/deploy.md');
  return parse(blocks[0], { merge: true }) as { services: Record<string, Service> };
}

test("docs/deploy.md's compose file parses: NATS, PostgreSQL, N workers and the HTTP service on one store", () => {
  const { services } = composeFile();
  const verb = (s: Service): string | undefined => (s.command?.[0] === 'bin/netsentinel' ? s.command[1] : undefined);
  assert.ok(services.nats?.image?.startsWith('nats:') && services.nats.command?.includes('-js'), 'NATS with JetStream');
  assert.ok(services.postgres?.image?.startsWith('postgres:'));
  const workers = Object.values(services).filter((s) => verb(s) === 'stream');
  assert.ok(workers.length >= 1);
  assert.ok(workers.reduce((n, w) => n + (w.deploy?.replicas ?? 1), 0) >= 2, 'N workers');
  const api = Object.values(services).filter((s) => verb(s) === 'serve');
  assert.equal(api.length, 1, 'the HTTP service');
  const stores = new Set([...workers, ...api].map((s) => s.environment?.NETSENTINEL_STORE));
  assert.equal(stores.size, 1, 'workers and service on the same store');
  assert.match([...stores][0]!, /^postgres:\/\/.*@postgres:5432\//);
  // binding 0.0.0.0 needs a key in the store before the service starts
  assert.equal(api[0].command![api[0].command!.indexOf('--host') + 1], '0.0.0.0');
  const keyService = Object.entries(services).find(([, s]) => verb(s) === 'keys');
  assert.ok(keyService && api[0].depends_on?.[keyService[0]]?.condition === 'service_completed_successfully', 'the service waits for its API key');
});

test("every verb and flag in the compose file's commands exists in the CLI", () => {
  const { services } = composeFile();
  let checked = 0;
  for (const [name, s] of Object.entries(services)) {
    if (s.command?.[0] !== 'bin/netsentinel') continue;
    const verb = s.command[1];
    const help = spawnSync(BIN, [verb, '--help'], { encoding: 'utf8' });
    assert.equal(help.status, 0, `${name}: netsentinel ${verb} --help: ${help.stderr}`);
    for (const arg of s.command.slice(2)) {
      if (!arg.startsWith('--')) continue;
      assert.match(help.stdout, new RegExp(`(^|\\s)${arg.replace(/[-]/g, '\\-')}[ ,\\n]`, 'm'), `${name}: netsentinel ${verb} has no ${arg}`);
      checked++;
    }
  }
  assert.ok(checked >= 14, `${checked} flags checked`);
});
