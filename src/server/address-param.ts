/**
 * An address given to the API as a filter (GET /v1/alerts?src_ip=, ?dest_ip=, GET /v1/ips/:ip), in
 * the one text form the store holds (what analyze writes: IPv6 compressed and lower case), so a
 * filter spelled "2001:DB8:0::5" meets the rows of "2001:db8::5".
 *
 * Text that tries to be an IPv4 address and is none is refused with a 400 naming the parameter,
 * above all a part with a leading zero ("192.168.10.050"): read as the canonical address it would
 * be a guess between two hosts (octal 192.168.10.40 for inet_aton and curl, decimal
 * 192.168.10.50 for most else), and every other way an address enters netsentinel (POST
 * /v1/alerts, decisions, intel, the allowlist) refuses it; taken as text it found nothing and
 * answered 200 with an empty page, as if the host were quiet. Other text that is no address (a
 * host name a flow file carried) is matched as it is, as before.
 */
import { formatIp, leadingZeroProblem, parseIp } from '../detect/ip-address.js';

export function addressFilter(field: string, text: string): { readonly value: string } | { readonly error: string } {
  const ip = parseIp(text);
  if (ip) return { value: formatIp(ip) };
  const zero = leadingZeroProblem(text);
  if (zero) return { error: `${field}: ${zero}` };
  if (/^[\d.]+$/.test(text.trim())) return { error: `${field}: "${text}" is not an IPv4 address (four numbers 0-255 joined by dots)` };
  return { value: text };
}
