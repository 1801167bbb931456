/**
 * What `netsentinel intel` accepts and its --help text, apart from the verb (intel.ts): only constants,
 * so `intel --help` and a mistake in its options load none of what the verb runs.
 */
import type { CommandSpec } from '../args.js';
import { SETTINGS_OPTIONS, SETTINGS_PRECEDENCE } from '../../config/settings.js';

export const INTEL_SPEC: CommandSpec = {
  name: 'intel',
  summary: 'threat intelligence on IP addresses: feeds + IPQualityScore, VirusTotal, AbuseIPDB, fused',
  usage: 'IP... [options]   (- reads addresses from stdin, one a line)',
  positionals: { min: 1, name: "IP (one or more addresses, or '-' for stdin)" },
  description: `Keys: IPQS_API_KEY, VIRUSTOTAL_API_KEY, ABUSEIPDB_API_KEY (or intel.<provider>.apiKey); without any,
only the local feeds answer. Answers are cached in the store for intel.cacheTtlSeconds (default a day).
Score 0-100: weighted mean of the sources that answered; a source past its own threshold (IPQS fraud ≥ 75,
VirusTotal ≥ 1 engine, a feed listing) lifts it to at least 75. Severity: critical ≥ 90, high ≥ 75,
medium ≥ 50, low ≥ 25.
${SETTINGS_PRECEDENCE}`,
  options: [
    { name: 'feed', type: 'list', value: 'FILE', description: 'a local feed (FireHOL .netset, Spamhaus DROP, plain list, CSV); repeatable; beside intel.feeds' },
    { name: 'offline', type: 'boolean', description: 'ask no provider: feeds only' },
    { name: 'refresh', type: 'boolean', description: 'ignore cached answers (fresh ones are still cached)' },
    { name: 'store', type: 'string', value: 'URL', description: 'where the cache lives: SQLite path or postgres:// URL; none = no cache (intel.store, else store)' },
    { name: 'timeout', type: 'number', value: 'SECONDS', description: 'per-request timeout (intel.timeoutSeconds, API_TIMEOUT; default 5)' },
    { name: 'fail-on', type: 'number', value: 'SCORE', description: 'exit 1 when an address reaches this threat score' },
    ...SETTINGS_OPTIONS,
  ],
  examples: [
    'netsentinel intel 185.220.101.1 --feed firehol_level1.netset --feed drop.txt',
    'IPQS_API_KEY=... VIRUSTOTAL_API_KEY=... netsentinel intel 8.8.8.8 1.1.1.1 --json | jq .[].severity',
    'cut -d, -f1 risky_ips.csv | tail -n +2 | netsentinel intel - --offline --feed drop.txt',
  ],
};
