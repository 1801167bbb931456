/**
 * Flows given as JSON (seed 002 kept its test flows as Python dicts: `{"Destination Port": 80,
 * "Flow Duration": 1200, ...}`) turned into a FlowTable through the same reader every file goes
 * through: the objects become one CSV text (header = every key seen, in first-seen order) read by
 * readDataset from memory, so format detection (CICFlowMeter, NSL-KDD, Zeek names, any CSV), column
 * roles and categories are exactly those of a file with the same columns.
 *
 * Accepted: one object, an array of objects, or JSON lines. Values: numbers, strings, booleans,
 * null (an empty cell). Anything else is an error naming the place (flow number, key).
 */
import { Readable } from 'node:stream';
import type { FlowTable } from '../flows/table.js';
import { UserError } from '../util/errors.js';
import { readDataset, type ReadOptions } from './read-dataset.js';

type Flow = Record<string, unknown>;

/** Parse the JSON text into flow objects; `where` names it in errors ("--flow", "stdin", a file). */
export function parseJsonFlows(text: string, where: string): Flow[] {
  const t = text.trim();
  if (!t) throw new UserError(`${where}: no flow given (a JSON object of column → value)`);
  let docs: unknown[];
  try {
    const whole = JSON.parse(t);
    docs = Array.isArray(whole) ? whole : [whole];
  } catch (e) {
    // JSON lines
    const lines = t.split(/\r?\n/);
    docs = [];
    for (let i = 0; i < lines.length; i++) {
      if (!lines[i].trim()) continue;
      try {
        docs.push(JSON.parse(lines[i]));
      } catch (e2) {
        throw new UserError(`${where}${lines.length > 1 ? ` line ${i + 1}` : ''}: not valid JSON: ${(lines.length > 1 ? (e2 as Error) : (e as Error)).message}`);
      }
    }
  }
  if (!docs.length) throw new UserError(`${where}: no flow given`);
  return docs.map((d, i) => {
    if (d === null || typeof d !== 'object' || Array.isArray(d)) throw new UserError(`${where}: flow ${i + 1} must be a JSON object of column → value, got ${JSON.stringify(d)?.slice(0, 40)}`);
    for (const [k, v] of Object.entries(d)) {
      if (v !== null && typeof v === 'object') throw new UserError(`${where}: flow ${i + 1}, key "${k}": a value must be a number, string, boolean or null, got ${Array.isArray(v) ? 'a list' : 'an object'}`);
    }
    return d as Flow;
  });
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : v > 0 ? 'Infinity' : v < 0 ? '-Infinity' : 'NaN') : String(v);
  return /[",\r\n]/.test(s) || s !== s.trim() ? `"${s.replace(/"/g, '""')}"` : s;
}

/** The flows as a FlowTable, read the way a CSV file with these columns would be. */
export async function flowsToTable(flows: readonly Flow[], where: string, opts: ReadOptions = {}): Promise<FlowTable> {
  const keys: string[] = [];
  const seen = new Set<string>();
  for (const f of flows) for (const k of Object.keys(f)) if (!seen.has(k)) (seen.add(k), keys.push(k));
  const text = [keys.map(cell).join(','), ...flows.map((f) => keys.map((k) => cell(f[k])).join(','))].join('\n') + '\n';
  try {
    return await readDataset(['-'], { ...opts, stdin: Readable.from([Buffer.from(text)]) });
  } catch (e) {
    // the reader names its input "stdin"; the user gave the flow some other way
    if (e instanceof UserError) throw new UserError(e.message.replace(/^stdin\b/, where), e.exitCode);
    throw e;
  }
}
