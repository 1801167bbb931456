/**
 * Syslog messages as RFC 5424 defines them, and the octet-counting frame RFC 6587 gives them on
 * TCP. A small formatter of our own, as is usual: the format is one line of fixed fields, and the
 * libraries that exist pull in a logger we do not use.
 *
 *   <PRI>1 TIMESTAMP HOSTNAME APP-NAME PROCID MSGID [SD-ID PARAM="VALUE" ...] BOM MSG
 *
 * PRI = facility × 8 + severity. Header fields are printable US-ASCII without spaces, cut to
 * their maximum lengths, "-" when empty. Structured-data values escape `"`, `\` and `]`. The
 * SD-ID uses the enterprise number 32473 that RFC 5612 reserves for documentation and examples.
 */

export type SyslogSeverity = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7;

export interface SyslogMessage {
  readonly facility: number;
  readonly severity: SyslogSeverity;
  readonly timestamp: Date;
  readonly hostname: string;
  readonly appName: string;
  readonly procId?: string;
  readonly msgId?: string;
  /** SD-ID → params */
  readonly structuredData?: Readonly<Record<string, Readonly<Record<string, string>>>>;
  readonly message: string;
}

export const SD_ID = 'netsentinel@32473';

function headerField(s: string | undefined, max: number): string {
  if (!s) return '-';
  // PRINTUSASCII is %d33-126: anything else (spaces included) becomes '_'
  const clean = s.replace(/[^\x21-\x7e]/g, '_').slice(0, max);
  return clean || '-';
}

function sdName(s: string): string {
  // SD-NAME: printable ASCII except '=', SP, ']', '"'; at most 32
  return s.replace(/[^\x21-\x7e]|[= \]"]/g, '_').slice(0, 32);
}

export function escapeSdValue(v: string): string {
  return v.replace(/[\\"\]]/g, (c) => `\\${c}`);
}

export function formatRfc5424(m: SyslogMessage): string {
  const pri = m.facility * 8 + m.severity;
  const sd = m.structuredData && Object.keys(m.structuredData).length
    ? Object.entries(m.structuredData)
        .map(([id, params]) => `[${sdName(id)}${Object.entries(params).map(([k, v]) => ` ${sdName(k)}="${escapeSdValue(v)}"`).join('')}]`)
        .join('')
    : '-';
  const head = `<${pri}>1 ${m.timestamp.toISOString()} ${headerField(m.hostname, 255)} ${headerField(m.appName, 48)} ${headerField(m.procId, 128)} ${headerField(m.msgId, 32)} ${sd}`;
  return m.message ? `${head} \uFEFF${m.message}` : head;
}

/** RFC 6587 octet counting: "LEN SP MSG", LEN in bytes of the UTF-8 message. */
export function octetFrame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}

/**
 * Split a TCP byte stream of octet-counted frames into messages; returns the messages and the
 * bytes left over (an incomplete frame). For receivers and tests.
 */
export function readOctetFrames(buf: Buffer): { messages: string[]; rest: Buffer } {
  const messages: string[] = [];
  let at = 0;
  for (;;) {
    const sp = buf.indexOf(0x20, at);
    if (sp < 0) break;
    const len = Number(buf.subarray(at, sp).toString('ascii'));
    if (!Number.isInteger(len) || len <= 0) throw new Error(`bad octet-counting frame at byte ${at}`);
    if (sp + 1 + len > buf.length) break;
    messages.push(buf.subarray(sp + 1, sp + 1 + len).toString('utf8'));
    at = sp + 1 + len;
  }
  return { messages, rest: buf.subarray(at) };
}
