/**
 * Addresses in flow files in one text form, the one every output writes (formatIp: IPv4 dotted
 * quad, IPv6 per RFC 5952, lower case, IPv4-mapped as ::ffff:192.0.2.1). A CSV exported by another
 * tool may write `2001:DB8::1`, `2001:0db8:0:0::1` or `::ffff:c000:201` for the address that
 * captures and other files write `2001:db8::1` or `::ffff:192.0.2.1`: kept as read, one host was two
 * sources (its flows, its risk and its scan split in two), and the alerts carried a spelling that
 * a search of the store or a SIEM for the usual form did not find.
 *
 * Only the columns the rules read as source and destination (flow-fields.ts's names); each
 * distinct value once per batch (the dictionary), not per row. Values that are no address (a host
 * name, garbage) and link-local addresses with a zone (`fe80::1%eth0`, whose zone says which link)
 * stay as read.
 */
import { categoricalColumn, type Column, type FlowTable } from '../flows/table.js';
import { isAddressColumnName } from '../flows/flow-fields.js';
import { formatIp, parseIp } from '../detect/ip-address.js';

export function canonicalAddresses(t: FlowTable): FlowTable {
  let changed: Column[] | undefined;
  t.columns.forEach((c, i) => {
    if (c.kind !== 'categorical' || !isAddressColumnName(c.name)) return;
    let texts: string[] | undefined;
    c.dictionary.forEach((v, k) => {
      if (v.includes('%')) return;
      const ip = parseIp(v);
      if (!ip) return;
      const canon = formatIp(ip);
      if (canon === v) return;
      texts ??= c.dictionary.slice();
      texts[k] = canon;
    });
    if (!texts) return;
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
  return changed ? { ...t, columns: changed } : t;
}
