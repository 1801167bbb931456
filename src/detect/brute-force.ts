/**
 * Password guessing, as a bucket spec: one source, more than N short connections to one login
 * service (SSH, FTP, RDP, databases ...) of one host within a sliding window.
 *
 * Flow records cannot see whether a login failed, only the shape: many connections, each short,
 * to the same service. Tools like Hydra and Patator open a connection per guess or per handful of
 * guesses (CIC-IDS2017's SSH-Patator: about one a second, each about 12 s). A legitimate session is
 * one long connection, and automation that reconnects often (monitoring, backups over SFTP) is
 * what `attempts` and `maxDurationSeconds` are there to tune out.
 *
 * Connections refused, unanswered or without data (when the input tells: a capture's conn_state,
 * payload byte counts) are no guesses and do not count: 40 refused connects of a database client
 * retrying a server that is down read as "brute-force login attempts" on PostgreSQL.
 *
 * Not here: web-form brute force (port 80/443 traffic is too busy to judge by counts alone).
 */
import { spanSeconds, type BucketRule } from './bucket.js';
import { formatSpan } from './finding.js';
import { flagShares, perMinute } from './port-scan.js';
import type { BruteForceConfig } from './rules-config.js';

export const SERVICE_NAMES: Readonly<Record<number, string>> = {
  21: 'FTP', 22: 'SSH', 23: 'Telnet', 25: 'SMTP', 110: 'POP3', 143: 'IMAP', 445: 'SMB', 465: 'SMTPS', 587: 'SMTP submission',
  993: 'IMAPS', 995: 'POP3S', 1433: 'MSSQL', 1521: 'Oracle', 2222: 'SSH', 3306: 'MySQL', 3389: 'RDP', 5432: 'PostgreSQL', 5900: 'VNC',
  6379: 'Redis',
};

export function bruteForceRule(cfg: BruteForceConfig): BucketRule {
  return {
    id: 'brute-force',
    title: 'Brute-force login attempts',
    category: 'credential-access',
    severity: cfg.severity,
    requires: ['srcIp', 'dstIp', 'dstPort'],
    bucket: {
      groupBy: ['srcIp', 'dstIp', 'dstPort'],
      window: 'sliding',
      capacity: cfg.attempts,
      windowSeconds: cfg.windowSeconds,
      // a guess needs a connection that was answered and carried data: a client retrying a closed
      // or filtered port (a database client while its server is down) logs nothing in
      filter: { dstPorts: cfg.ports, protocols: [6, 17], maxDurationSeconds: cfg.maxDurationSeconds, answeredOnly: true },
    },
    describe(v) {
      const ep = v.episode;
      const span = spanSeconds(ep);
      const service = v.dstPort !== null ? (SERVICE_NAMES[v.dstPort] ?? `port ${v.dstPort}`) : 'a login service';
      const mean = ep.meanDuration();
      const rate = perMinute(ep.flows, span);
      return {
        reason:
          `${v.srcIp} opened ${ep.flows} short connections to ${service} on ${v.dstIp} over ${formatSpan(span)} ` +
          `(more than ${cfg.attempts} within ${cfg.windowSeconds} s${Number.isNaN(mean) ? '' : `, ${formatSpan(mean)} each on average`}).`,
        evidence: {
          service,
          port: v.dstPort,
          connections: ep.flows,
          perMinute: rate,
          meanDurationSeconds: Number.isNaN(mean) ? null : Math.round(mean * 1000) / 1000,
          threshold: cfg.attempts,
          windowSeconds: cfg.windowSeconds,
          maxDurationSeconds: cfg.maxDurationSeconds,
          durationSeconds: span,
          ...flagShares(v),
        },
      };
    },
  };
}
