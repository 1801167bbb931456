/**
 * What `netsentinel respond` accepts and its --help text, apart from the verb (respond.ts): only constants,
 * so `respond --help` and a mistake in its options load none of what the verb runs.
 */
import type { CommandSpec } from '../args.js';
import { CONFIG_OPTIONS, STORE_OPTION } from './respond-option-table.js';

export const RESPOND_SPEC: CommandSpec = {
  name: 'respond',
  summary: 'turn a finished analysis into decisions (ban, alert), blocklist files and notifications',
  usage: 'OUTDIR [options]',
  positionals: { min: 1, max: 1, name: 'OUTDIR (the --out folder of analyze)' },
  description: `Severity comes from the source's risk, its rule findings and threat intelligence (config respond.severity,
respond.rules, respond.intelSeverity); respond.actions says what each severity gets (default: critical and high
are banned and alerted, medium alerted). Allowlisted addresses (loopback, this machine's addresses, default
gateways, resolvers, respond.allowlist) are never banned. Nor is a victim: a host another source scanned,
brute-forced or flooded, whose own evidence is only its risk (a host under attack answers its attacker), is
alerted on, not banned (respond.banTargets: true bans it). Nor is a source whose only evidence is the risk of an
analysis without a baseline (its detectors fitted on the traffic judged): alerted, not banned, unless a rule
finding, intel or a classifier's attack class backs it (respond.banSelfFitted: true bans it). A decision for the
same address and reason is not repeated within respond.suppress (1h).
DRY RUN BY DEFAULT: decisions are stored as simulated and nothing is sent; --apply (or respond.apply: true) acts.
Writes OUTDIR/blocked_ips.txt, netsentinel.nft and netsentinel.ipset; 'netsentinel block apply' loads the firewall.
Exit 1 when, with --apply, notifications still wait after the flush (a channel failed or a server refused one;
'netsentinel notify --flush' sends them later), as notify --flush; 0 when everything was done.`,
  options: [
    { name: 'apply', type: 'boolean', description: 'act for real: store real decisions, queue and send alerts (default: dry run)' },
    STORE_OPTION,
    ...CONFIG_OPTIONS,
  ],
  examples: [
    'netsentinel analyze today.csv -b office.nsb -o out/ && netsentinel respond out/',
    'netsentinel respond out/ --apply --config netsentinel.yaml --json | jq .decisions',
  ],
};
