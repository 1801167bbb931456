/**
 * reasonsJsonIn must give exactly JSON.stringify(netsentinel.reasons), the store's reasons column:
 * on every alert of real analyses (the loopback sample, the CIC sample) and on generated records
 * whose strings and keys are hostile (quotes, backslashes, control characters, lone surrogates,
 * the text `,"netsentinel":{` and `"reasons":[` inside strings and nested objects).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { reasonsJsonIn } from './reasons-json.js';
import { sharedPath, skipWithoutShared } from '../testing/shared-data.js';

const MAIN = fileURLToPath(new URL('../cli/main.js', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** alerts.jsonl lines of `analyze INPUT` against a baseline fitted on `normal` */
function analyzedAlertLines(normal: string, input: string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'ns-reasons-json-'));
  try {
    execFileSync(process.execPath, [MAIN, 'baseline', normal, '-o', join(dir, 'b.nsb'), '-q'], { stdio: 'ignore' });
    execFileSync(process.execPath, [MAIN, 'analyze', input, '-b', join(dir, 'b.nsb'), '-o', join(dir, 'out'), '-q'], { stdio: 'ignore' });
    return readFileSync(join(dir, 'out', 'alerts.jsonl'), 'utf8').split('\n').filter(Boolean);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function assertEveryLine(lines: string[]): void {
  assert.ok(lines.length > 0);
  let withReasons = 0;
  for (const line of lines) {
    const reasons = (JSON.parse(line) as { netsentinel?: { reasons?: unknown } }).netsentinel?.reasons;
    if (Array.isArray(reasons)) {
      withReasons++;
      assert.equal(reasonsJsonIn(line), JSON.stringify(reasons), line);
    } else assert.equal(reasonsJsonIn(line), undefined, line);
  }
  assert.equal(withReasons, lines.length, 'every analyze alert has reasons');
}

test('the reasons text cut from every alert of the loopback sample equals JSON.stringify(reasons)', { timeout: 120_000 }, () => {
  const lines = analyzedAlertLines(join(REPO, 'samples/loopback/normal.csv'), join(REPO, 'samples/loopback/traffic.csv'));
  assertEveryLine(lines);
});

const CIC = ['datasets', 'cicids2017-sample'] as const;
test('the reasons text cut from every alert of the CIC sample equals JSON.stringify(reasons)', { skip: skipWithoutShared(...CIC), timeout: 300_000 }, () => {
  const cic = sharedPath(...CIC)!;
  const lines = analyzedAlertLines(join(cic, 'BENIGN_2500.csv'), cic);
  assert.ok(lines.length > 5000, `${lines.length} alerts`);
  assertEveryLine(lines);
});

/** strings that need escaping or look like the JSON the scan looks for */
const hostile = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.constantFrom('"', '\\', ',', ':', '[', ']', '{', '}', 'reasons', 'netsentinel', '\u0000', '\n', '\ud800', '\udc00', 'é', '😀', '\u2028') }),
  fc.constantFrom(',"netsentinel":{"reasons":["x"]}', '"reasons":[', '\\', '\\"', 'a\\', '"]}'),
);
const anyJsonValue = fc.jsonValue().map((v) => v as unknown);
const nested = fc.oneof(anyJsonValue, fc.dictionary(hostile, fc.oneof(anyJsonValue, fc.array(hostile))), fc.record({ reasons: fc.array(hostile) }));

test('the reasons text equals JSON.stringify(reasons) on generated records with hostile strings and keys', () => {
  fc.assert(
    fc.property(
      hostile,
      hostile,
      fc.dictionary(hostile, nested, { maxKeys: 4 }),
      fc.option(fc.array(fc.oneof(hostile, fc.constant(undefined as unknown as string)), { maxLength: 6 }), { nil: undefined }),
      fc.dictionary(hostile, nested, { maxKeys: 3 }),
      fc.boolean(),
      (ip, signature, before, reasons, after, extraTopLevel) => {
        const ns: Record<string, unknown> = { risk: 0.5 };
        for (const [k, v] of Object.entries(before)) if (k !== 'reasons') ns[k] = v;
        if (reasons !== undefined) ns.reasons = reasons;
        for (const [k, v] of Object.entries(after)) if (k !== 'reasons') ns[k] = v;
        const record: Record<string, unknown> = { timestamp: '2017-07-04T12:23:55.392750+0000', event_type: 'alert', src_ip: ip, alert: { signature, category: signature } };
        record.netsentinel = ns;
        if (extraTopLevel) record.model_version = signature;
        const line = JSON.stringify(record);
        const got = reasonsJsonIn(line);
        if (Array.isArray(ns.reasons)) assert.equal(got, JSON.stringify(ns.reasons));
        else assert.equal(got, undefined);
      },
    ),
    { numRuns: 3000 },
  );
});
