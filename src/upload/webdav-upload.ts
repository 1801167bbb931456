/**
 * An output folder sent to a web server the way seed 001 did by hand ("uploads these files to the
 * Apache server for centralized access"), in the protocol Apache httpd's mod_dav speaks:
 *
 *   MKCOL  each folder of the target URL and of the output (201 made; 405 already there)
 *   PUT    each file, streamed from disk with its length (201 created, 204 replaced)
 *   PROPFIND Depth: 1 on each folder afterwards: every file must be listed with its exact size
 *
 * Basic auth from the settings (upload.username / upload.password) or the URL's user:password@.
 * Errors are one line naming the server and what it said (refused credentials, unreachable,
 * forbidden); the password never appears in them (the URL is shown without its userinfo).
 *
 * Why our own: a WebDAV client library would add a dependency for four requests; node:http
 * streams a PUT body without holding the file in memory.
 */
import { createReadStream, readdirSync, statSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { join, relative, sep } from 'node:path';
import { UserError } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/logger.js';

export interface UploadOptions {
  readonly dir: string;
  /** the WebDAV folder to upload into, e.g. http://reports.example/dav/netsentinel/ */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  readonly timeoutMs?: number;
  /** PROPFIND afterwards and compare sizes (default true) */
  readonly verify?: boolean;
  readonly logger?: Logger;
}

export interface UploadedFile {
  readonly path: string;
  readonly bytes: number;
  readonly status: number;
  readonly url: string;
}

export interface UploadResult {
  readonly target: string;
  readonly files: readonly UploadedFile[];
  readonly foldersCreated: number;
  readonly bytes: number;
  readonly verified: boolean;
  readonly seconds: number;
}

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** The URL as it may be printed: no user:password@. */
export function safeUrl(u: URL): string {
  return `${u.protocol}//${u.host}${u.pathname}`;
}

function listFiles(dir: string): { files: string[]; folders: string[] } {
  const files: string[] = [];
  const folders: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        folders.push(p);
        walk(p);
      } else if (e.isFile()) files.push(p);
    }
  };
  walk(dir);
  return { files, folders };
}

function encodePath(rel: string): string {
  return rel.split(sep).map(encodeURIComponent).join('/');
}

export async function uploadFolder(o: UploadOptions): Promise<UploadResult> {
  const t0 = performance.now();
  const log = o.logger ?? silentLogger;
  let base: URL;
  try {
    base = new URL(o.url);
  } catch {
    throw new UserError(`upload: "${o.url}" is not a URL (write it like http://server/dav/reports/)`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') throw new UserError(`upload: ${safeUrl(base)}: only http:// and https:// are supported`);
  const user = o.username ?? (base.username ? decodeURIComponent(base.username) : undefined);
  const pass = o.password ?? (base.password ? decodeURIComponent(base.password) : undefined);
  base.username = '';
  base.password = '';
  if (!base.pathname.endsWith('/')) base.pathname += '/';
  const shown = safeUrl(base);
  const auth = user !== undefined ? 'Basic ' + Buffer.from(`${user}:${pass ?? ''}`).toString('base64') : undefined;
  const timeoutMs = o.timeoutMs ?? 30000;
  let st;
  try {
    st = statSync(o.dir);
  } catch {
    throw new UserError(`upload: ${o.dir}: no such folder`);
  }
  if (!st.isDirectory()) throw new UserError(`upload: ${o.dir} is not a folder`);

  const request = (method: string, url: URL, headers: Record<string, string | number>, body?: Buffer | (() => NodeJS.ReadableStream)): Promise<Answer> =>
    new Promise((resolve, reject) => {
      const mod = url.protocol === 'https:' ? https : http;
      const req = mod.request(url, { method, headers: { ...(auth ? { authorization: auth } : {}), ...headers }, timeout: timeoutMs }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new UserError(`upload: ${safeUrl(url)} did not answer within ${timeoutMs / 1000} s`)));
      req.on('error', (e: NodeJS.ErrnoException) => reject(e instanceof UserError ? e : new UserError(`upload: cannot reach ${url.host} (${e.code ?? e.message}) for ${method} ${safeUrl(url)}`)));
      if (Buffer.isBuffer(body)) req.end(body);
      else if (body) {
        const s = body();
        s.on('error', (e) => req.destroy(e));
        s.pipe(req);
      } else req.end();
    });

  const refused = (a: Answer, what: string, url: URL): UserError => {
    if (a.status === 401) return new UserError(`upload: ${url.host} refused the credentials (HTTP 401) for ${what} ${safeUrl(url)}; set upload.username / upload.password (NETSENTINEL_UPLOAD_PASSWORD)`);
    if (a.status === 403) return new UserError(`upload: ${url.host} forbids ${what} ${safeUrl(url)} (HTTP 403)`);
    if (a.status === 405 && what === 'PUT') return new UserError(`upload: ${safeUrl(url)} does not accept PUT (HTTP 405): is WebDAV (mod_dav "Dav On") enabled there?`);
    const title = /<title>([^<]*)<\/title>/i.exec(a.body)?.[1];
    return new UserError(`upload: ${what} ${safeUrl(url)} failed: HTTP ${a.status}${title ? ` (${title})` : ''}`);
  };

  // the target folder and its parents: MKCOL from the top; 405 means it exists (or is not ours to make)
  let created = 0;
  const mkcol = async (url: URL, mustWork: boolean): Promise<void> => {
    const a = await request('MKCOL', url, {});
    if (a.status === 201) {
      created++;
      log.debug({ url: safeUrl(url) }, 'folder created');
      return;
    }
    if (a.status === 405 || a.status === 301) return;
    if (a.status === 401 || (mustWork && a.status !== 409)) throw refused(a, 'MKCOL', url);
  };
  const segments = base.pathname.split('/').filter(Boolean);
  for (let i = 1; i <= segments.length; i++) {
    const u = new URL(base);
    u.pathname = '/' + segments.slice(0, i).join('/') + '/';
    await mkcol(u, i === segments.length);
  }
  const { files, folders } = listFiles(o.dir);
  for (const f of folders) await mkcol(new URL(encodePath(relative(o.dir, f)) + '/', base), true);

  const uploaded: UploadedFile[] = [];
  let bytes = 0;
  for (const f of files) {
    const rel = relative(o.dir, f);
    const url = new URL(encodePath(rel), base);
    const size = statSync(f).size;
    const a = await request('PUT', url, { 'content-length': size, 'content-type': 'application/octet-stream' }, () => createReadStream(f));
    if (a.status !== 201 && a.status !== 204 && a.status !== 200) throw refused(a, 'PUT', url);
    uploaded.push({ path: rel, bytes: size, status: a.status, url: safeUrl(url) });
    bytes += size;
    log.debug({ file: rel, bytes: size, status: a.status }, 'uploaded');
  }

  let verified = false;
  if (o.verify !== false) {
    // one PROPFIND per folder: every file listed with the size we sent
    const byFolder = new Map<string, UploadedFile[]>();
    for (const u of uploaded) {
      const folder = u.path.includes(sep) ? u.path.slice(0, u.path.lastIndexOf(sep)) : '';
      if (!byFolder.has(folder)) byFolder.set(folder, []);
      byFolder.get(folder)!.push(u);
    }
    for (const [folder, list] of byFolder) {
      const url = folder ? new URL(encodePath(folder) + '/', base) : base;
      const query = Buffer.from('<?xml version="1.0" encoding="utf-8"?><propfind xmlns="DAV:"><prop><getcontentlength/></prop></propfind>');
      const a = await request('PROPFIND', url, { depth: '1', 'content-type': 'application/xml', 'content-length': query.length }, query);
      if (a.status !== 207) throw refused(a, 'PROPFIND', url);
      const sizes = new Map<string, number>();
      for (const m of a.body.matchAll(/<(?:\w+:)?response\b[\s\S]*?<\/(?:\w+:)?response>/g)) {
        const href = /<(?:\w+:)?href>([^<]*)<\/(?:\w+:)?href>/.exec(m[0])?.[1];
        const len = /<(?:\w+:)?getcontentlength>(\d+)<\/(?:\w+:)?getcontentlength>/.exec(m[0])?.[1];
        if (href && len !== undefined) sizes.set(decodeURIComponent(new URL(href, url).pathname), Number(len));
      }
      for (const u of list) {
        const path = decodeURIComponent(new URL(u.url).pathname);
        const got = sizes.get(path);
        if (got !== u.bytes) throw new UserError(`upload: ${u.url} is ${got === undefined ? 'missing from' : `${got} bytes in`} the server's listing after the upload (sent ${u.bytes} bytes)`);
      }
    }
    verified = true;
  }
  return { target: shown, files: uploaded, foldersCreated: created, bytes, verified, seconds: (performance.now() - t0) / 1000 };
}
