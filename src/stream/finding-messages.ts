/**
 * Packet-detector findings on the flow subjects. The packet detectors (ARP and DHCP spoofing, the
 * SYN watch, TTL jumps, fragments, Wi-Fi) see packets, which only whoever reads the capture has:
 * `publish capture.pcap` runs them (as `analyze` does) and sends what they find to the partition
 * of the finding's source, between the flows, as a message of its own: JSON, a list of findings,
 * marked by the FINDINGS_HEADER header. The worker that owns the partition raises them as it
 * raises its rules' findings (BatchScorer.addFindings: an alert each, once by its key; joined to the
 * source's window), acknowledged like a flow message, replayed by a restart's rebuild. Before, a
 * capture published for the workers lost every packet finding: the ARP poisoning `analyze` finds
 * in the same file raised nothing in the stream.
 */
import type { Finding } from '../detect/finding.js';
import { UserError } from '../util/errors.js';

/** the header that marks a message of findings (its value: how many) */
export const FINDINGS_HEADER = 'Netsentinel-Findings';

/** A list of findings as a message body. */
export function encodeFindings(findings: readonly Finding[]): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(findings));
}

/**
 * The findings a message carries, or undefined when it is a flow message. A findings message that
 * cannot be read (not JSON, or not findings) is a UserError naming it, as an unreadable flow
 * message is (the worker rejects it).
 */
export function findingsOfMessage(m: { readonly subject: string; readonly seq: number; readonly headers?: { get(k: string): string }; readonly data: Uint8Array }): Finding[] | undefined {
  if (!m.headers?.get(FINDINGS_HEADER)) return undefined;
  const where = `${m.subject}#${m.seq}`;
  let list: unknown;
  try {
    list = JSON.parse(new TextDecoder().decode(m.data));
  } catch {
    throw new UserError(`${where}: a findings message (header ${FINDINGS_HEADER}) whose body is not JSON`);
  }
  if (!Array.isArray(list)) throw new UserError(`${where}: a findings message whose body is not a list`);
  list.forEach((f: unknown, i) => {
    const x = f as Partial<Finding> | null;
    const ok = x && typeof x === 'object' && typeof x.ruleId === 'string' && typeof x.title === 'string' && typeof x.severity === 'number' && typeof x.reason === 'string' && (x.srcIp === null || typeof x.srcIp === 'string') && x.targets && typeof x.targets === 'object' && Array.isArray(x.targets.ips) && Array.isArray(x.targets.ports);
    if (!ok) throw new UserError(`${where}: finding ${i + 1} of the message is not a finding (it needs ruleId, title, severity, reason, srcIp and targets)`);
  });
  return (list as Finding[]).map((f) => ({ ...f, rows: Array.isArray(f.rows) ? f.rows : [], evidence: f.evidence ?? {} }));
}
