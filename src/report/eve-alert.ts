/**
 * Alerts as Suricata EVE JSON `alert` records, the form Elastic, Splunk and EveBox already read:
 * event_type, timestamp, src/dest address and port, proto, community_id, and an `alert` object
 * (signature, signature_id, category, severity with 1 the highest). Our own risk, reasons and
 * evidence go in a `netsentinel` object beside it, never inside Suricata's fields.
 */
import { hash } from 'node:crypto';
import { communityId } from './community-id.js';

export interface EveAlertInput {
  readonly timeMs: number | null;
  readonly srcIp: string | null;
  readonly srcPort: number | null;
  readonly destIp: string | null;
  readonly destPort: number | null;
  /** IANA protocol number */
  readonly proto: number | null;
  readonly signature: string;
  /** stable id of what raised it: "rule:port-scan.vertical", "risk:flow", "risk:ip" */
  readonly source: string;
  readonly category: string;
  readonly severity: number;
  /** Suricata's `ether` object (src_mac, dest_mac): for a finding about hosts known by MAC only */
  readonly ether?: { readonly src_mac?: string; readonly dest_mac?: string };
  readonly netsentinel: Readonly<Record<string, unknown>>;
}

const PROTO_NAMES: Record<number, string> = { 1: 'ICMP', 6: 'TCP', 17: 'UDP', 58: 'IPv6-ICMP', 132: 'SCTP' };

export function protoName(p: number | null): string | null {
  if (p === null || !Number.isFinite(p)) return null;
  return PROTO_NAMES[p] ?? String(p);
}

/** the second's ISO prefix ("2017-07-07T12:59:00"), reused while alerts stay in that second */
let tsSecond = NaN;
let tsPrefix = '';
/** the day's ISO prefix ("2017-07-07T"): a Date and toISOString per day, not per second */
let tsDay = NaN;
let tsDayPrefix = '';

const TWO_DIGITS: readonly string[] = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));

/** "YYYY-MM-DDTHH:MM:SS" of a whole second, as new Date(ms).toISOString().slice(0, 19) */
function secondPrefix(second: number, whole: number): string {
  const day = Math.floor(second / 86_400);
  if (day !== tsDay) {
    // throws RangeError for NaN / out-of-range times, as toISOString always did
    tsDayPrefix = new Date(day * 86_400_000).toISOString().slice(0, 11);
    tsDay = day;
  }
  // years outside 0000-9999 are written "+YYYYYY-..." by toISOString: that form is cut differently
  if (tsDayPrefix.length !== 11 || tsDayPrefix[10] !== 'T') return new Date(whole).toISOString().slice(0, 19);
  const s = second - day * 86_400;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s - h * 3600) / 60);
  return `${tsDayPrefix}${TWO_DIGITS[h]}:${TWO_DIGITS[m]}:${TWO_DIGITS[s - h * 3600 - m * 60]}`;
}

/** Suricata's timestamp form: 2017-07-07T12:59:00.123456+0000 (a Date per day, not per alert) */
export function eveTimestamp(ms: number): string {
  const whole = Math.floor(ms);
  // the prefix's second from the whole millisecond, the fraction from ms itself, exactly as when
  // both came from their own expressions (they can disagree a hair below a second boundary)
  const second = Math.floor(whole / 1000);
  if (second !== tsSecond) {
    tsPrefix = secondPrefix(second, whole);
    tsSecond = second;
  }
  const micro = Math.round((ms - Math.floor(ms / 1000) * 1000) * 1000);
  return `${tsPrefix}.${String(micro).padStart(6, '0')}+0000`;
}

/** Local signature ids (Suricata reserves 1000000-1999999 for local rules): stable per source. */
const sidCache = new Map<string, number>();
export function signatureId(source: string): number {
  let sid = sidCache.get(source);
  if (sid === undefined) {
    const h = hash('sha1', source, 'buffer');
    sid = 1_000_000 + (h.readUInt32BE(0) % 900_000);
    sidCache.set(source, sid);
  }
  return sid;
}

export function eveAlert(a: EveAlertInput, now: number): Record<string, unknown> {
  const rec: Record<string, unknown> = {
    timestamp: eveTimestamp(a.timeMs ?? now),
    event_type: 'alert',
  };
  if (a.srcIp) rec.src_ip = a.srcIp;
  if (a.srcPort !== null && Number.isFinite(a.srcPort)) rec.src_port = a.srcPort;
  if (a.destIp) rec.dest_ip = a.destIp;
  if (a.destPort !== null && Number.isFinite(a.destPort)) rec.dest_port = a.destPort;
  const proto = protoName(a.proto);
  if (proto) rec.proto = proto;
  if (a.srcIp && a.destIp && a.proto !== null && Number.isFinite(a.proto)) {
    const cid = communityId(a.srcIp, a.destIp, a.proto, a.srcPort ?? NaN, a.destPort ?? NaN);
    if (cid) rec.community_id = cid;
  }
  if (a.ether) rec.ether = a.ether;
  rec.alert = {
    action: 'allowed',
    gid: 1,
    signature_id: signatureId(a.source),
    rev: 1,
    signature: a.signature,
    category: a.category,
    severity: a.severity,
  };
  rec.netsentinel = a.netsentinel;
  return rec;
}

/** Deduplication key: what the alert is about, never when we ran. */
export function alertKey(a: EveAlertInput, extra = ''): string {
  // one template string, not an array mapped and joined: made for every risky flow
  const text = `${a.source}|${a.signature}|${a.srcIp ?? ''}|${a.srcPort ?? ''}|${a.destIp ?? ''}|${a.destPort ?? ''}|${a.proto ?? ''}|${a.timeMs ?? ''}|${extra}`;
  // one-shot hash: no Hash object per alert (createHash + update + digest was a fifth of an alert's cost)
  return hash('sha256', text, 'hex').slice(0, 40);
}
