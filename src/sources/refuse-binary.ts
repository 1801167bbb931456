/**
 * The last check before bytes are read as CSV: are they text at all?
 *
 * Without it a pcap, a gzip of something that is not CSV, or random bytes are tokenised as one
 * odd CSV, may well pass, and can produce alerts with exit 0. Readers that claim inputs by their
 * magic number (pcap, pcapng) run BEFORE this check, so a capture reaches its reader; whatever no
 * reader claimed and is not text is refused here with one line showing its first bytes.
 *
 * "Text" is decided on the first few KiB (decompressed, decoded from UTF-16 if need be): no NUL
 * byte, and few control characters other than tab, CR, LF, form feed and escape. Invalid UTF-8
 * alone is not refused (Latin-1 exports exist; their cells decode with U+FFFD).
 */
import { UserError } from '../util/errors.js';
import type { Compression } from './compression.js';

const LOOK = 8192;

/** Why `head` is not text, or undefined when it looks like text. */
export function notTextReason(head: Uint8Array): string | undefined {
  const n = Math.min(head.length, LOOK);
  let control = 0;
  for (let i = 0; i < n; i++) {
    const c = head[i];
    if (c === 0) return 'it has NUL bytes';
    if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12 && c !== 27) control++;
    else if (c === 127) control++;
  }
  if (n > 0 && control > Math.max(2, n * 0.01)) return `${control} of its first ${n} bytes are control characters`;
  return undefined;
}

/** First bytes of an input in hex, for the message. */
export function hexStart(head: Uint8Array, count = 8): string {
  return Array.from(head.subarray(0, count), (b) => b.toString(16).padStart(2, '0')).join(' ');
}

/** names that say "packet capture" (tcpdump, Wireshark, editcap), maybe gzip-, zstd- or lz4-compressed */
export const CAPTURE_NAME = /\.(pcap|pcapng|cap)(\.gz|\.zst|\.lz4)?$/i;

/**
 * The one refusal of a text file named like a capture (another file renamed, a download that was
 * an error page), the same whichever verb met it: `flows` said "unknown magic number 73 72 63 2c",
 * `analyze` "named like a packet capture but holds text". Undefined when the name or the bytes do
 * not fit (the caller says its own).
 */
export function textNamedLikeCapture(display: string, head: Uint8Array): string | undefined {
  if (!CAPTURE_NAME.test(display) || head.length === 0 || notTextReason(head) !== undefined) return undefined;
  return `named like a packet capture but holds text: it starts with bytes ${hexStart(head)}, not a pcap or pcapng header (another file renamed, or a download that was an error page; if it holds flow records, analyze --format reads them)`;
}

/** Whether these are the first bytes of netsentinel's own model or baseline file. */
export function isModelFile(head: Uint8Array, compression: Compression | undefined): boolean {
  return !compression && head.length >= 8 && String.fromCharCode(...head.subarray(0, 8)) === 'NSMODEL\n';
}

/**
 * 'JSON lines' or 'a JSON document' when the text's first line is JSON (an object or array, or a
 * lone `{` / `[` opening a pretty-printed document): netsentinel's own `flows --json` and
 * summary.json, a SIEM export. Read as CSV they failed with CSV quoting advice ("unexpected
 * character ':' after a closing quote") or "expected 1 field, found 2". Zeek's JSON conn.log is
 * claimed by its reader before this.
 */
export function jsonKind(head: Uint8Array): string | undefined {
  let text = Buffer.from(head.subarray(0, Math.min(head.length, 1 << 16))).toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const nl = text.indexOf('\n');
  const first = (nl < 0 ? text : text.slice(0, nl)).trim();
  if (first === '{' || first === '[') return 'a JSON document';
  if (!/^[[{]/.test(first)) return undefined;
  try {
    const v: unknown = JSON.parse(first);
    if (typeof v !== 'object' || v === null) return undefined;
    return nl < 0 || text.slice(nl + 1).trim() === '' ? 'a JSON document' : 'JSON lines';
  } catch {
    return undefined;
  }
}

/** The one line for JSON given where flow files go. */
export function jsonInputMessage(display: string, kind: string): string {
  return (
    `${display}: ${kind}, not a table of flows: files are read as CSV flow exports (NSL-KDD, CICFlowMeter, UNSW-NB15, any CSV with a header), ` +
    "Zeek conn.log (TSV or JSON) and packet captures; score JSON flows with 'netsentinel score -b BASELINE --flow-file FILE', or write flows as CSV ('netsentinel flows CAPTURE -o flows.csv')"
  );
}

/**
 * JSON given where flow files go, as an error that keeps what it found: the command line words it
 * with its verbs (jsonInputMessage), an HTTP upload (POST /v1/analyze) with its routes, for a
 * client that has no `netsentinel score` to run.
 */
export class JsonFlowsError extends UserError {
  constructor(
    readonly display: string,
    readonly kind: string,
  ) {
    super(jsonInputMessage(display, kind));
  }
}

/** Our own model or baseline file given where flows go; worded for the command line (POST /v1/analyze words it for the API). */
export class ModelFileGivenError extends UserError {
  constructor(readonly display: string) {
    super(`${display}: this is a netsentinel model or baseline file, not traffic ('netsentinel inspect ${display}' shows it); give flow files or captures here, and the file with its own option (--baseline, --model)`);
  }
}

/** Refuse an input that no reader claimed and that is not text. */
export function refuseBinary(display: string, head: Uint8Array, compression: Compression | undefined): void {
  const why = notTextReason(head);
  if (!why) return;
  // our own model or baseline file given where flows go (the arguments swapped, a glob too wide)
  if (isModelFile(head, compression)) throw new ModelFileGivenError(display);
  // a file named like a capture whose magic number is not one: say so, rather than only "not CSV"
  const capture = CAPTURE_NAME.test(display) ? ' and not a pcap/pcapng capture (no capture magic number)' : '';
  throw new UserError(
    `${display}: not a text/CSV file${compression ? ` (after ${compression === 'gzip' ? 'gunzip' : `${compression} -d`})` : ''}${capture}: starts with bytes ${hexStart(head)} and ${why}; netsentinel reads CSV flow exports (NSL-KDD, CICFlowMeter, UNSW-NB15, any CSV with a header), Zeek conn.log and packet captures (pcap, pcapng)`,
  );
}
