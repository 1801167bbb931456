/**
 * Addresses in flow files in one text form, the one every output writes (formatIp: IPv4 dotted
 * quad, IPv6 per RFC 5952, lower case, IPv4-mapped as ::ffff:192.0.2.1). A CSV exported by another
 * tool may write `2001:DB8::1`, `2001:0db8:0:0::1` or `::ffff:c000:201` for the address that
 * captures and other files write `2001:db8::1` or `::ffff:192.0.2.1`: kept as read, one host was two
 * sources (its flows, its risk and its scan split in two), and the alerts carried a spelling that
 * a search of the store or a SIEM for the usual form did not find.
 *
 * IPv4 parts written with leading zeros (`010.000.000.001`, `192.168.010.050`: exporters that pad
 * each part to three digits) are read as the decimal numbers they are written with (10.0.0.1): no
 * flow exporter writes octal, and kept as read, `010.000.000.001` and `10.0.0.1` were two sources
 * while the HTTP API refuses such text as ambiguous (a person typing an address may mean octal).
 * Never silently: each such cell is counted in the `AddressTally` handed in, with the first one's
 * file, line and column, and the reader says it once per file (read-dataset.ts).
 *
 * Only the columns the rules read as source and destination (flow-fields.ts's names); each
 * distinct value once per batch (the dictionary), not per row. Values that are no address (a host
 * name, garbage) and link-local addresses with a zone (`fe80::1%eth0`, whose zone says which link)
 * stay as read.
 */
import { categoricalColumn, type Column, type FlowTable } from '../flows/table.js';
import { isAddressColumnName } from '../flows/flow-fields.js';
import { formatIp, parseIp, type IpAddress } from '../detect/ip-address.js';
import { plural } from '../util/plural.js';
import { thousands } from '../util/thousands.js';

/** Cells whose IPv4 address was written with leading zeros and read as decimal, and the first of them. */
export interface AddressTally {
  cells: number;
  first?: { readonly file: string; readonly line: number; readonly column: string; readonly text: string; readonly read: string };
}

/** The tally's sentence for the user (undefined when nothing was rewritten). */
export function leadingZeroNote(tally: AddressTally): string | undefined {
  const f = tally.first;
  if (tally.cells === 0 || !f) return undefined;
  return `${f.file}: ${thousands(tally.cells)} ${plural(tally.cells, 'address', 'addresses')} written with leading zeros read as decimal, in canonical form (the first: line ${f.line}, "${f.column}": "${f.text}" read as ${f.read}; no flow exporter writes octal)`;
}

/** `text` with the leading zeros of its IPv4 parts (also an IPv6 address's IPv4 tail) dropped, read: or null. */
function decimalReading(text: string): IpAddress | null {
  const m = /^(.*?)(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (!m || !(m[1] === '' || m[1].endsWith(':'))) return null;
  const parts = m.slice(2, 6).map(Number);
  if (parts.some((p) => p > 255)) return null;
  return parseIp(`${m[1]}${parts.join('.')}`);
}

export function canonicalAddresses(t: FlowTable, tally?: AddressTally): FlowTable {
  let changed: Column[] | undefined;
  /** the batch's first rewritten cell by row (of any address column) */
  let firstRow = -1;
  let first: AddressTally['first'];
  t.columns.forEach((c, i) => {
    if (c.kind !== 'categorical' || !isAddressColumnName(c.name)) return;
    let texts: string[] | undefined;
    /** dictionary entries read through their leading zeros */
    let padded: Uint8Array | undefined;
    c.dictionary.forEach((v, k) => {
      if (v.includes('%')) return;
      let ip = parseIp(v);
      if (!ip) {
        ip = decimalReading(v);
        if (!ip) return;
        (padded ??= new Uint8Array(c.dictionary.length))[k] = 1;
      }
      const canon = formatIp(ip);
      if (canon === v) return;
      texts ??= c.dictionary.slice();
      texts[k] = canon;
    });
    if (!texts) return;
    if (padded && tally) {
      for (let r = 0; r < c.codes.length; r++) {
        const code = c.codes[r];
        if (code < 0 || padded[code] === 0) continue;
        tally.cells++;
        if (firstRow >= 0 && firstRow <= r) continue;
        firstRow = r;
        first = { file: t.origin ? t.origin.files[t.origin.file[r]] : 'input', line: t.origin ? t.origin.line[r] : r + 1, column: c.name, text: c.dictionary[code], read: texts[code] };
      }
    }
    // spellings of one address become one entry (the first's place), so codes compare as addresses
    const at = new Map<string, number>();
    const dictionary: string[] = [];
    const map = new Int32Array(texts.length);
    texts.forEach((v, k) => {
      let m = at.get(v);
      if (m === undefined) {
        at.set(v, (m = dictionary.length));
        dictionary.push(v);
      }
      map[k] = m;
    });
    const codes = new Int32Array(c.codes.length);
    for (let r = 0; r < codes.length; r++) codes[r] = c.codes[r] < 0 ? -1 : map[c.codes[r]];
    changed ??= t.columns.slice();
    changed[i] = categoricalColumn(c.name, c.role, codes, dictionary);
  });
  if (tally && first) tally.first ??= first;
  return changed ? { ...t, columns: changed } : t;
}
