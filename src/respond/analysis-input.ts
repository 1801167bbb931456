/**
 * What `netsentinel respond OUTDIR` reads from a finished analysis: the risky sources with their
 * risk and reasons (summary.json, or risky_ips.csv when the summary is absent) and the rule
 * findings about each source with their severity (the rule alerts in alerts.jsonl). Produces the
 * policy's input; decides nothing.
 *
 * Every malformed line is an error naming the file and line: a source silently dropped here is a
 * source never blocked.
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { InputError, UserError } from '../util/errors.js';
import { attacksOn, withAttacks, withTargeted, type FindingTargetsIn, type RuleEvidence, type SourceEvidence } from './policy.js';

export interface AnalysisInput {
  readonly sources: SourceEvidence[];
  /** "analyze:<startedAt>" */
  readonly origin: string;
  readonly read: readonly string[];
}

/** One RFC 4180 record from a line (no embedded line breaks: risky_ips.csv never has them). */
export function splitCsvLine(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  for (;;) {
    if (line[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return null;
        v += line.slice(i, q);
        if (line[q + 1] === '"') {
          v += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      out.push(v);
      if (i === line.length) return out;
      if (line[i] !== ',') return null;
      i++;
    } else {
      const c = line.indexOf(',', i);
      if (c < 0) {
        out.push(line.slice(i));
        return out;
      }
      out.push(line.slice(i, c));
      i = c + 1;
    }
  }
}

async function fromSummary(path: string): Promise<{ sources: SourceEvidence[]; origin: string }> {
  let doc: { startedAt?: unknown; riskyIps?: unknown; mode?: unknown };
  try {
    doc = JSON.parse(await readFile(path, 'utf8'));
  } catch (e) {
    throw new UserError(`${path}: not a netsentinel summary (${(e as Error).message.split('\n')[0]})`);
  }
  if (!Array.isArray(doc.riskyIps)) throw new UserError(`${path}: field "riskyIps" is missing or not a list; is this an analyze output folder?`);
  // an analysis without a baseline: its risk was fitted on the input it judged (weaker; policy.ts)
  const selfFitted = doc.mode === 'self-fitted';
  const sources = doc.riskyIps.map((r: Record<string, unknown>, i: number) => {
    if (typeof r?.ip !== 'string' || typeof r.risk !== 'number') throw new UserError(`${path}: riskyIps[${i}] needs "ip" (text) and "risk" (a number)`);
    const classes = r.attackClasses && typeof r.attackClasses === 'object' && !Array.isArray(r.attackClasses) ? Object.keys(r.attackClasses) : [];
    return { ip: r.ip, risk: r.risk, reasons: Array.isArray(r.reasons) ? r.reasons.map(String) : [], selfFitted, attackClasses: classes, ...(r.floodSender === true ? { floodSender: true } : {}) };
  });
  return { sources, origin: `analyze:${typeof doc.startedAt === 'string' ? doc.startedAt : 'unknown'}` };
}

async function fromCsv(path: string): Promise<SourceEvidence[]> {
  const lines = (await readFile(path, 'utf8')).split(/\r?\n/);
  const header = splitCsvLine(lines[0] ?? '');
  const ipCol = header?.indexOf('ip') ?? -1;
  const riskCol = header?.indexOf('risk') ?? -1;
  const reasonsCol = header?.indexOf('reasons') ?? -1;
  if (!header || ipCol < 0 || riskCol < 0) throw new InputError({ file: path, line: 1 }, 'the header needs columns "ip" and "risk" (a risky_ips.csv from analyze)');
  const out: SourceEvidence[] = [];
  for (let n = 1; n < lines.length; n++) {
    if (lines[n] === '') continue;
    const cells = splitCsvLine(lines[n]);
    if (!cells || cells.length !== header.length) throw new InputError({ file: path, line: n + 1 }, `expected ${header.length} cells, got ${cells ? cells.length : 'an unterminated quote'}`);
    const risk = Number(cells[riskCol]);
    if (cells[riskCol] === '' || !Number.isFinite(risk)) throw new InputError({ file: path, line: n + 1, column: 'risk' }, `"${cells[riskCol]}" is not a number`);
    out.push({ ip: cells[ipCol], risk, reasons: reasonsCol >= 0 && cells[reasonsCol] ? cells[reasonsCol].split('; ') : [] });
  }
  return out;
}

/**
 * Rule findings per source address from alerts.jsonl (records with netsentinel.rule), and each
 * finding's targets (dest_ip, netsentinel.targets.ips), so the policy knows who was attacked.
 */
export async function ruleFindingsFrom(path: string, targets: FindingTargetsIn[] = []): Promise<Map<string, RuleEvidence[]>> {
  const out = new Map<string, RuleEvidence[]>();
  const rl = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) {
    n++;
    if (!line.includes('"rule"')) continue;
    let rec: { src_ip?: string; dest_ip?: string; alert?: { severity?: number; category?: string }; netsentinel?: { rule?: string; reasons?: string[]; srcMacs?: unknown; targets?: { ips?: unknown; macs?: unknown } } };
    try {
      rec = JSON.parse(line);
    } catch (e) {
      throw new InputError({ file: path, line: n }, `not JSON (${(e as Error).message})`);
    }
    const rule = rec.netsentinel?.rule;
    if (rule && typeof rec.alert?.category === 'string') {
      const ips = Array.isArray(rec.netsentinel?.targets?.ips) ? (rec.netsentinel!.targets!.ips as unknown[]).filter((x): x is string => typeof x === 'string') : [];
      if (rec.dest_ip && !ips.includes(rec.dest_ip)) ips.push(rec.dest_ip);
      // a finding about hosts known by MAC only (no source address): its MACs (policy.ts)
      const texts = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
      const srcMacs = rec.src_ip ? [] : texts(rec.netsentinel?.srcMacs);
      const targetMacs = rec.src_ip ? [] : texts(rec.netsentinel?.targets?.macs);
      if (ips.length || srcMacs.length || targetMacs.length) targets.push({ srcIp: rec.src_ip ?? null, ruleId: rule, category: rec.alert.category, targets: ips, severity: Number(rec.alert.severity ?? 3), reason: rec.netsentinel?.reasons?.[0] ?? rule, ...(srcMacs.length ? { srcMacs } : {}), ...(targetMacs.length ? { targetMacs } : {}) });
    }
    if (!rule || !rec.src_ip) continue;
    const list = out.get(rec.src_ip) ?? [];
    list.push({ ruleId: rule, severity: Number(rec.alert?.severity ?? 3), reason: rec.netsentinel?.reasons?.[0] ?? rule });
    out.set(rec.src_ip, list);
  }
  return out;
}

export async function readAnalysisOutput(dir: string): Promise<AnalysisInput> {
  if (!existsSync(dir)) throw new UserError(`respond: ${dir} does not exist (give the --out folder of a finished analyze)`);
  if (!statSync(dir).isDirectory()) throw new UserError(`respond: ${dir} is a file; give the --out folder of a finished analyze (the folder holding summary.json)`);
  const summary = join(dir, 'summary.json');
  const csv = join(dir, 'risky_ips.csv');
  const alerts = join(dir, 'alerts.jsonl');
  const read: string[] = [];
  let sources: SourceEvidence[];
  let origin = `analyze:${dir}`;
  if (existsSync(summary)) {
    const s = await fromSummary(summary);
    sources = s.sources;
    origin = s.origin;
    read.push(summary);
  } else if (existsSync(csv)) {
    sources = await fromCsv(csv);
    read.push(csv);
  } else {
    throw new UserError(`respond: ${dir} has neither summary.json nor risky_ips.csv; is it the --out folder of a finished analyze?`);
  }
  if (existsSync(alerts)) {
    read.push(alerts);
    const targets: FindingTargetsIn[] = [];
    const rules = await ruleFindingsFrom(alerts, targets);
    const byIp = new Map(sources.map((s) => [s.ip, s]));
    for (const [ip, findings] of rules) {
      const s = byIp.get(ip);
      if (s) byIp.set(ip, { ...s, rules: findings });
      else byIp.set(ip, { ip, rules: findings });
    }
    sources = withTargeted(withAttacks([...byIp.values()], attacksOn(targets)), targets);
  }
  return { sources, origin, read };
}
