/**
 * A real Apache httpd with mod_dav for upload tests: Debian's apache2 started with a config of its
 * own on a free loopback port, in the foreground (-X), as `nobody` when we are root (setpriv), with
 * a DAV folder behind basic auth (an htpasswd file made by Debian's htpasswd). Stopped by its pid.
 * Returns undefined with the reason when apache2 or htpasswd is missing.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const APACHE = '/usr/sbin/apache2';
const HTPASSWD = '/usr/bin/htpasswd';
const MODULES = '/usr/lib/apache2/modules';

export interface ApacheDav {
  /** http://127.0.0.1:PORT/dav/ */
  readonly url: string;
  /** the folder on disk behind /dav/ */
  readonly davDir: string;
  readonly user: string;
  readonly password: string;
  stop(): Promise<void>;
}

export function apacheMissing(): string | false {
  if (!existsSync(APACHE)) return `${APACHE} not installed (apt-get install apache2)`;
  if (!existsSync(HTPASSWD)) return `${HTPASSWD} not installed (apt-get install apache2-utils)`;
  for (const m of ['mod_mpm_event', 'mod_dav', 'mod_dav_fs', 'mod_auth_basic']) if (!existsSync(join(MODULES, `${m}.so`))) return `${MODULES}/${m}.so missing`;
  return false;
}

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

async function waitFor(port: number, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 10000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`apache2 exited with ${child.exitCode}: ${existsSync(log) ? readFileSync(log, 'utf8').slice(-800) : ''}`);
    try {
      const r = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) });
      await r.text();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`apache2 did not start on port ${port}: ${existsSync(log) ? readFileSync(log, 'utf8').slice(-800) : ''}`);
}

export async function startApacheDav(): Promise<ApacheDav> {
  const root = mkdtempSync(join(tmpdir(), `ns-apache-${process.pid}-`));
  chmodSync(root, 0o755);
  const dav = join(root, 'dav');
  const lock = join(root, 'lock');
  mkdirSync(dav);
  mkdirSync(lock);
  const user = 'uploader';
  const password = `pw-${process.pid}-${Date.now()}`;
  const htpasswd = join(root, 'htpasswd');
  const h = spawnSync(HTPASSWD, ['-cbB', htpasswd, user, password], { encoding: 'utf8' });
  if (h.status !== 0) throw new Error(`htpasswd failed: ${h.stderr}`);
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    // apache runs as nobody: it must write the DAV folder and its lock database
    const nobody = Number(spawnSync('id', ['-u', 'nobody'], { encoding: 'utf8' }).stdout.trim());
    const nogroup = Number(spawnSync('getent', ['group', 'nogroup'], { encoding: 'utf8' }).stdout.split(':')[2]);
    chownSync(dav, nobody, nogroup);
    chownSync(lock, nobody, nogroup);
    chmodSync(htpasswd, 0o644);
  }
  const port = await freePort();
  // apache (as nobody) writes its log and pid where it may: the lock folder
  const log = join(lock, 'error.log');
  const conf = join(root, 'httpd.conf');
  writeFileSync(
    conf,
    [
      `ServerRoot ${root}`,
      `ServerName 127.0.0.1`,
      `Listen 127.0.0.1:${port}`,
      `PidFile ${join(lock, 'httpd.pid')}`,
      `ErrorLog ${log}`,
      `LogLevel warn`,
      ...['mpm_event', 'authz_core', 'authn_core', 'authn_file', 'auth_basic', 'authz_user', 'alias', 'dav', 'dav_fs'].map((m) => `LoadModule ${m}_module ${MODULES}/mod_${m}.so`),
      `DAVLockDB ${join(lock, 'DAVLock')}`,
      `Alias /dav ${dav}`,
      `<Directory ${dav}>`,
      `  Dav On`,
      `  AuthType Basic`,
      `  AuthName "netsentinel test"`,
      `  AuthUserFile ${htpasswd}`,
      `  Require valid-user`,
      `</Directory>`,
      '',
    ].join('\n'),
  );
  const cmd = asRoot ? ['setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', APACHE, '-f', conf, '-X']] : [APACHE, ['-f', conf, '-X']];
  const child = spawn(cmd[0] as string, cmd[1] as string[], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, APACHE_RUN_DIR: lock, APACHE_LOCK_DIR: lock, APACHE_LOG_DIR: root } });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  try {
    await waitFor(port, child, log);
  } catch (e) {
    throw new Error(`${(e as Error).message} ${stderr.slice(-600)}`);
  }
  return {
    url: `http://127.0.0.1:${port}/dav/`,
    davDir: dav,
    user,
    password,
    async stop() {
      if (child.exitCode === null) {
        const done = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await Promise.race([done, new Promise((r) => setTimeout(r, 5000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}
