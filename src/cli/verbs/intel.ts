/**
 * `netsentinel intel IP...`: seed 002's `threatintel IP`: what the local feeds and the providers
 * (IPQualityScore, VirusTotal, AbuseIPDB, each when its key is set) say about addresses, fused
 * into one threat score and severity, with every source that did not answer and why.
 * Exit 1 with --fail-on when an address reaches that score.
 */
import { readFileSync } from 'node:fs';
import type { Command } from '../command.js';
import { INTEL_SPEC } from './intel-spec.js';
import { settingsFromArgs } from '../../config/settings.js';
import { loggerFromSettings } from '../../util/logger.js';
import { intelConfigFrom } from '../../intel/intel-config.js';
import { openThreatIntel, type IntelReport } from '../../intel/threat-intel.js';
import { UserError } from '../../util/errors.js';

export const intel: Command = {
  spec: INTEL_SPEC,
  async run({ args, out, json }) {
    const v = args.values;
    // checked before any lookup: a bad value was said only after every provider had been asked
    const failOn = v.failOn as number | undefined;
    if (failOn !== undefined && !(failOn >= 0 && failOn <= 100)) throw new UserError('intel: --fail-on takes a threat score from 0 to 100');
    const settings = settingsFromArgs(v, { 'intel.store': v.store, 'intel.timeoutSeconds': v.timeout });
    const log = loggerFromSettings(settings);
    const config = intelConfigFrom(settings);
    const ti = await openThreatIntel({ config, extraFeeds: (v.feed as string[] | undefined) ?? [], offline: Boolean(v.offline), refresh: Boolean(v.refresh), logger: log });
    const reports: IntelReport[] = [];
    try {
      for (const ip of addresses(args.positionals)) reports.push(await ti.lookup(ip));
    } finally {
      await ti.close();
    }
    if (json) out(JSON.stringify(reports, null, 2));
    else out(reports.map(formatReport).join('\n\n'));
    const over = failOn === undefined ? [] : reports.filter((r) => r.score >= failOn);
    if (!over.length) return 0;
    // exit 1 alone told a script nothing: which addresses reached it (stderr: stdout stays the results)
    process.stderr.write(`netsentinel: ${over.length} ${over.length === 1 ? 'address reaches' : 'addresses reach'} --fail-on ${failOn} (${over.slice(0, 5).map((r) => `${r.ip} score ${r.score}`).join(', ')}${over.length > 5 ? ', ...' : ''}): exit 1\n`);
    return 1;
  },
};

/** The addresses asked about: the arguments, with '-' replaced by stdin's lines (blank and # lines skipped). */
function addresses(args: readonly string[]): string[] {
  return args.flatMap((a) =>
    a === '-'
      ? readFileSync(0, 'utf8')
          .split(/\r?\n/)
          .map((l) => l.trim())
          .filter((l) => l && !l.startsWith('#'))
      : [a],
  );
}

function formatReport(r: IntelReport): string {
  const lines = [`${r.ip}: ${r.malicious ? 'MALICIOUS' : 'not flagged'}  threat score ${r.score}  severity ${r.severity}${r.answered.length ? `  (from ${r.answered.join(', ')})` : '  (no source answered)'}`];
  for (const i of r.indicators) lines.push(`  - ${i}`);
  for (const s of r.sources) {
    const what = s.answered ? `${s.status}${s.score !== undefined ? `, score ${s.score}` : ''}${s.fetchedAt ? ` (cached ${s.fetchedAt})` : ''}` : `${s.status}: ${s.reason ?? ''}`;
    lines.push(`    ${s.source.padEnd(11)} ${what}`);
  }
  return lines.join('\n');
}
