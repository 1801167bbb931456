/**
 * Alerts by email (what seed 000's send_alert_email did, done properly): one message per batch
 * of waiting alerts, plain text and HTML, listing each address with its severity, reason and
 * whether it was blocked. Through nodemailer (the maintained SMTP client for Node): STARTTLS
 * required by default on port 587, AUTH when a user is configured, the server's certificate
 * checked against the system's CAs or `smtp.ca`.
 *
 * A batch counts as delivered when the server answered 250 to its DATA. The header
 * X-Netsentinel-Alerts lists the alert keys, so a receiving system can tell which alerts a
 * message carries.
 */
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import { UserError } from '../../util/errors.js';
import type { AlertMessage } from './alert-message.js';
import type { SmtpConfig } from './notify-config.js';
import { undone } from './syslog-channel.js';

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export function emailContent(alerts: readonly AlertMessage[], subjectBase: string): { subject: string; text: string; html: string } {
  const worst = alerts.find((a) => a.severity === 'critical') ? 'critical' : alerts.find((a) => a.severity === 'high') ? 'high' : alerts[0]?.severity ?? 'low';
  // a batch of removals only (decisions deleted by hand) says so; a mixed one marks each removal
  const removals = alerts.filter((a) => a.removed).length;
  const onlyRemovals = removals > 0 && removals === alerts.length;
  // hosts under attack by senders nobody can name (a forged flood) are victims, told apart from the suspects
  const suspects = alerts.filter((a) => !a.target || a.removed);
  const attacked = alerts.filter((a) => a.target && !a.removed);
  const counts = [
    ...(suspects.length ? [`${suspects.length} source${suspects.length === 1 ? '' : 's'}`] : []),
    ...(attacked.length ? [`${attacked.length} host${attacked.length === 1 ? '' : 's'} under attack`] : []),
  ].join(', ');
  const subject = onlyRemovals ? `${subjectBase}: ${removals} decision${removals === 1 ? '' : 's'} removed` : `${subjectBase}: ${counts} (worst: ${worst})`;
  // hosts known by their MAC alone (a Wi-Fi access point) are no IP addresses
  const what = alerts.some((a) => a.scope === 'mac') ? 'addresses (IP or MAC)' : 'IP addresses';
  const intro = onlyRemovals ? `Decisions about the following ${what} were removed by hand (${removals}):` : `The following ${what} are exhibiting suspicious activity (${suspects.length}):`;
  const attackedIntro = `The following hosts are under attack by senders no address can be given for (many or forged; nothing is blocked for it) (${attacked.length}):`;
  const lines = (list: readonly AlertMessage[]): string[] =>
    list.flatMap((a) =>
      a.removed
        ? [
            `${a.ip}  ${a.severity.toUpperCase()}  ${undone(a.removed).toUpperCase()}`,
            `    ${a.reason}`,
            `    removed ${a.removed.at} by ${a.removed.by}; it was decided ${a.created} by ${a.origin} to hold until ${a.expires}; ${a.key}`,
          ]
        : [
            `${a.ip}  ${a.severity.toUpperCase()}${a.risk !== null ? `  risk ${a.risk.toFixed(6)}` : ''}${a.blocked ? '  BLOCKED' : ''}`,
            `    ${a.reason}`,
            `    decided ${a.created} by ${a.origin}, holds until ${a.expires}; alert ${a.key}`,
          ],
    );
  const text = [
    ...(suspects.length || onlyRemovals ? [onlyRemovals ? intro : `Alert: ${intro.charAt(0).toLowerCase()}${intro.slice(1)}`, '', ...lines(suspects), ''] : []),
    ...(attacked.length ? [`${suspects.length ? '' : 'Alert: '}${attackedIntro}`, '', ...lines(attacked), ''] : []),
    '-- netsentinel',
  ].join('\n');
  const table = (list: readonly AlertMessage[]): string =>
    `<table border="1" cellpadding="4" cellspacing="0" style="border-collapse:collapse">
<tr><th>${alerts.some((a) => a.scope === 'mac') ? 'address' : 'IP'}</th><th>severity</th><th>risk</th><th>action</th><th>reason</th><th>until</th></tr>
${list
  .map((a) => `<tr><td><code>${escapeHtml(a.ip)}</code></td><td>${a.severity}</td><td>${a.risk !== null ? a.risk.toFixed(6) : ''}</td><td>${a.removed ? `${undone(a.removed)} by ${escapeHtml(a.removed.by)} at ${escapeHtml(a.removed.at)}` : a.blocked ? 'blocked' : ''}</td><td>${escapeHtml(a.reason)}</td><td>${escapeHtml(a.expires)}</td></tr>`)
  .join('\n')}
</table>`;
  const html = `<!doctype html><html><body style="font-family:sans-serif">
${suspects.length || onlyRemovals ? `<p>${intro}</p>\n${table(suspects)}\n` : ''}${attacked.length ? `<p>${escapeHtml(attackedIntro)}</p>\n${table(attacked)}\n` : ''}<p style="color:#666">netsentinel</p></body></html>`;
  return { subject, text, html };
}

export function describeSmtp(c: SmtpConfig): string {
  return `SMTP server ${c.host}:${c.port}`;
}

export async function sendEmail(c: SmtpConfig, alerts: readonly AlertMessage[], timeoutMs = 15000): Promise<void> {
  let ca: string | undefined;
  if (c.ca) {
    try {
      ca = readFileSync(c.ca, 'utf8');
    } catch (e) {
      throw new UserError(`smtp.ca: cannot read ${c.ca}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const transport = nodemailer.createTransport({
    host: c.host,
    port: c.port,
    secure: c.secure,
    requireTLS: !c.secure && c.requireTls,
    auth: c.user ? { user: c.user, pass: c.password ?? '' } : undefined,
    tls: ca ? { ca } : undefined,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  try {
    const content = emailContent(alerts, c.subject);
    await transport.sendMail({
      from: c.from,
      to: [...c.to],
      subject: content.subject,
      text: content.text,
      html: content.html,
      headers: { 'X-Netsentinel-Alerts': alerts.map((a) => a.key).join(' ') },
    });
  } catch (e) {
    // nodemailer's words for a server without STARTTLS ("500 Error: command not recognized") do
    // not say what to do; the setting that refused to go on does
    const err = e as Error & { code?: string };
    if (err.code === 'ETLS' && !c.secure && c.requireTls && /STARTTLS/i.test(err.message)) {
      throw Object.assign(new Error(`the server does not offer STARTTLS, and smtp.requireTls refuses to send in the clear (set smtp.requireTls: false only for a server on a trusted network; server said: ${err.message.split('\n')[0].replace(/^.*STARTTLS:\s*/, '')})`), { code: 'ETLS' });
    }
    throw e;
  } finally {
    transport.close();
  }
}
