/**
 * Local threat feeds read from disk, the formats blocklists are published in:
 *
 *   plain lists / FireHOL .netset / .ipset   one IP or CIDR a line, `#` comments
 *   Spamhaus DROP / EDROP (text)             `1.10.16.0/20 ; SBL256894`, `;` comment lines
 *   Spamhaus DROP (JSON lines, drop_v4.json) {"cidr":"1.10.16.0/20","sblid":"SBL256894",...}
 *   CSV with a header                        a column named ip / cidr / network / address / ip_address,
 *                                            optional category / reason / description and score (0-100)
 *
 * Every entry keeps its feed, line and note (SBL id, CSV category) so a match can say why. A line
 * that is not an address is an error naming file and line: a feed that half-loads would silently
 * stop blocking.
 *
 * List files are read as bytes and IPv4 lines parsed by hand from them (no string or object per
 * line); anything else goes through the general IPv4/IPv6 parser.
 */
import { basename } from 'node:path';
import { readFileSync } from 'node:fs';
import { parseCidr } from '../detect/ip-address.js';
import { CsvTokenizer } from '../sources/csv-tokenizer.js';
import { UserError } from '../util/errors.js';
import type { CidrIndexBuilder } from './cidr-index.js';

/** What the loader records per entry (flat, indexed by entry id). */
export interface FeedEntrySink {
  /** register one entry of feed `feed` at `line`, with an optional note and score; returns its id */
  entry(feed: number, line: number, note: string | undefined, score: number | undefined): number;
}

let outAddr = 0;
let outPrefix = 0;

/**
 * Parse "a.b.c.d" or "a.b.c.d/n" in s[from, to) into outAddr/outPrefix; false when it is not that.
 * Over bytes: the list formats are read as bytes (no 20 MB string, no slice per line).
 */
function parseV4Bytes(s: Uint8Array, from: number, to: number): boolean {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  let i = from;
  for (; i < to; i++) {
    const c = s[i];
    if (c >= 48 && c <= 57) {
      if (digits === 1 && part === 0) return false;
      part = part * 10 + (c - 48);
      if (part > 255) return false;
      digits++;
    } else if (c === 46) {
      if (digits === 0 || dots === 3) return false;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else break;
  }
  if (digits === 0 || dots !== 3) return false;
  outAddr = value * 256 + part;
  outPrefix = 32;
  if (i < to) {
    if (s[i] !== 47) return false;
    let p = 0;
    let pd = 0;
    for (i++; i < to; i++) {
      const c = s[i];
      if (c < 48 || c > 57 || pd === 2) return false;
      p = p * 10 + (c - 48);
      pd++;
    }
    if (pd === 0 || p > 32) return false;
    outPrefix = p;
  }
  return true;
}

/** "255.255.255.255/32": no longer text is an IPv4 address or CIDR */
const tokenBytes = new Uint8Array(18);

/** parseV4Bytes on a whole string (a character past Latin-1, never a digit, dot or slash, as 255). */
function parseV4(s: string): boolean {
  const n = s.length;
  if (n > tokenBytes.length) return false;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    tokenBytes[i] = c > 255 ? 255 : c;
  }
  return parseV4Bytes(tokenBytes, 0, n);
}

/** Add one address/CIDR token; false when it is neither. */
function addToken(builder: CidrIndexBuilder, token: string, id: () => number): boolean {
  if (parseV4(token)) {
    builder.add4(outAddr, outPrefix, id());
    return true;
  }
  const c = parseCidr(token);
  if (typeof c === 'string') return false;
  if (c.v === 4) builder.add4(c.base[3], c.prefix, id());
  else builder.add6(c.base, c.prefix, id());
  return true;
}

export type FeedFormat = 'list' | 'spamhaus-json' | 'csv';

export interface FeedInfo {
  readonly name: string;
  readonly path: string;
  readonly format: FeedFormat;
  readonly entries: number;
}

function isSpace(c: number): boolean {
  return c === 32 || c === 9 || c === 13;
}

/** Read one feed file into the index; returns what it was. */
export function loadFeedFile(path: string, feed: number, builder: CidrIndexBuilder, sink: FeedEntrySink): FeedInfo {
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new UserError(`cannot read the feed ${path}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const name = basename(path);
  const head = buf.toString('utf8', 0, Math.min(buf.length, 65536));
  const firstLine = /^[ \t]*[^#;\s][^\n]*/m.exec(head)?.[0].trim() ?? '';
  if (/\.csv$/i.test(path) || (/,/.test(firstLine) && /(^|,)\s*"?(ip|cidr|network|address|ip_address|ipaddress|ip address)"?\s*(,|$)/i.test(firstLine))) {
    return { name, path, format: 'csv', entries: loadCsv(buf, path, feed, builder, sink) };
  }
  const text = (a: number, b: number): string => buf.toString('utf8', a, b);
  let count = 0;
  let format: FeedFormat = 'list';
  let lineNo = 0;
  // a UTF-8 byte order mark is not part of the first line
  let pos = buf.length >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf ? 3 : 0;
  while (pos < buf.length) {
    let eol = buf.indexOf(10, pos);
    if (eol < 0) eol = buf.length;
    lineNo++;
    let a = pos;
    let b = eol;
    pos = eol + 1;
    while (a < b && isSpace(buf[a])) a++;
    while (b > a && isSpace(buf[b - 1])) b--;
    if (a === b) continue;
    const c0 = buf[a];
    if (c0 === 35 || c0 === 59) continue; // # or ; comment
    if (c0 === 123) {
      // Spamhaus JSON lines: {"cidr": ..., "sblid": ...}; the closing {"type":"metadata",...} has no cidr
      let o: { cidr?: unknown; sblid?: unknown };
      try {
        o = JSON.parse(text(a, b));
      } catch {
        throw new UserError(`${path} line ${lineNo}: not valid JSON`);
      }
      if (o.cidr === undefined) continue;
      format = 'spamhaus-json';
      const line = lineNo;
      const note = typeof o.sblid === 'string' ? o.sblid : undefined;
      if (typeof o.cidr !== 'string' || !addToken(builder, o.cidr, () => sink.entry(feed, line, note, undefined))) {
        throw new UserError(`${path} line ${lineNo}: "cidr" ${JSON.stringify(o.cidr)} is not an IP network`);
      }
      count++;
      continue;
    }
    // the address ends at whitespace, ';' or '#'; what follows a ';' (Spamhaus SBL id) or '#' is its note
    let e = a;
    while (e < b) {
      const c = buf[e];
      if (isSpace(c) || c === 59 || c === 35) break;
      e++;
    }
    let note: string | undefined;
    if (e < b) {
      let r = e;
      while (r < b && isSpace(buf[r])) r++;
      if (r < b) {
        if (buf[r] !== 59 && buf[r] !== 35) throw new UserError(`${path} line ${lineNo}: expected one IP or CIDR per line, got "${text(a, b).slice(0, 80)}"`);
        note = text(r + 1, b).trim() || undefined;
      }
    }
    const line = lineNo;
    if (parseV4Bytes(buf, a, e)) builder.add4(outAddr, outPrefix, sink.entry(feed, line, note, undefined));
    else {
      const token = text(a, e);
      if (!addToken(builder, token, () => sink.entry(feed, line, note, undefined))) {
        throw new UserError(`${path} line ${lineNo}: "${token.slice(0, 60)}" is not an IP address or CIDR network`);
      }
    }
    count++;
  }
  return { name, path, format, entries: count };
}

const IP_COLUMNS = ['ip', 'cidr', 'network', 'address', 'ip_address', 'ipaddress', 'ip address', 'netblock', 'prefix'];
const NOTE_COLUMNS = ['category', 'reason', 'description', 'threat', 'type', 'comment', 'tags'];
const SCORE_COLUMNS = ['score', 'confidence', 'risk', 'abuseconfidencescore'];

function loadCsv(bytes: Uint8Array, path: string, feed: number, builder: CidrIndexBuilder, sink: FeedEntrySink): number {
  const rows: string[][] = [];
  const lines: number[] = [];
  try {
    const t = new CsvTokenizer({ file: path, chunkBytes: Math.max(16, bytes.length), maxRecordBytes: Math.max(16, bytes.length) });
    t.write(bytes);
    const batch = t.scan(true);
    for (let r = 0; r < batch.count; r++) {
      rows.push(batch.record(r));
      lines.push(batch.line[r]);
    }
  } catch (e) {
    throw e instanceof UserError ? e : new UserError(`${path}: ${(e as Error).message}`);
  }
  // comment lines before the header (FireHOL-style "# ...") are allowed
  let h = 0;
  while (h < rows.length && (rows[h].length === 0 || rows[h][0].trim().startsWith('#') || rows[h].every((c) => c.trim() === ''))) h++;
  if (h >= rows.length) return 0;
  const header = rows[h].map((c) => c.trim().toLowerCase());
  const ipCol = header.findIndex((c) => IP_COLUMNS.includes(c));
  if (ipCol < 0) throw new UserError(`${path} line ${lines[h]}: no IP column in the header (one of: ${IP_COLUMNS.join(', ')})`);
  const noteCol = header.findIndex((c) => NOTE_COLUMNS.includes(c));
  const scoreCol = header.findIndex((c) => SCORE_COLUMNS.includes(c));
  let count = 0;
  for (let r = h + 1; r < rows.length; r++) {
    const row = rows[r];
    if (row.every((c) => c.trim() === '')) continue;
    const line = lines[r];
    const ip = (row[ipCol] ?? '').trim();
    let score: number | undefined;
    if (scoreCol >= 0 && (row[scoreCol] ?? '').trim() !== '') {
      score = Number(row[scoreCol]);
      if (!Number.isFinite(score) || score < 0 || score > 100) throw new UserError(`${path} line ${line}, column "${header[scoreCol]}": "${row[scoreCol]}" is not a score from 0 to 100`);
    }
    const note = noteCol >= 0 ? (row[noteCol] ?? '').trim() || undefined : undefined;
    if (!addToken(builder, ip, () => sink.entry(feed, line, note, score))) {
      throw new UserError(`${path} line ${line}, column "${header[ipCol]}": "${ip.slice(0, 60)}" is not an IP address or CIDR network`);
    }
    count++;
  }
  return count;
}
