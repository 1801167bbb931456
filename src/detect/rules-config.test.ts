import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UserError } from '../util/errors.js';
import { DEFAULT_AUTH_PORTS, RULE_PARAMETERS, defaultRulesConfig, describeRuleParameters, resolveRulesConfig, ruleSettings } from './rules-config.js';

test('defaults: every parameter documented, the seed\'s port-scan threshold, frozen', () => {
  const d = defaultRulesConfig();
  assert.equal(d.portScan.ports, 10);
  assert.equal(d.portScan.windowSeconds, 60);
  assert.deepEqual(d.bruteForce.ports, DEFAULT_AUTH_PORTS);
  assert.equal(d.geoip.cityDatabase, null);
  assert.ok(Object.isFrozen(d.portScan));
  for (const p of RULE_PARAMETERS) {
    assert.ok(p.description.length > 20, p.path);
    const [s, k] = p.path.split('.');
    assert.deepEqual((d as unknown as Record<string, Record<string, unknown>>)[s][k], p.default, p.path);
  }
  const help = describeRuleParameters();
  assert.match(help, /rules\.portScan\.ports\s+a scan is more than this many distinct destination ports .* \(default 10\)/);
});

test('partial input keeps the other defaults and normalises values', () => {
  const c = resolveRulesConfig({ portScan: { ports: 20 }, geoPolicy: { countries: [' kp ', 'ir'], asns: ['AS64500', 64501] }, spoofing: { internalNetworks: ['10.0.0.0/8'] } });
  assert.equal(c.portScan.ports, 20);
  assert.equal(c.portScan.windowSeconds, 60);
  assert.deepEqual(c.geoPolicy.countries, ['KP', 'IR']);
  assert.deepEqual(c.geoPolicy.asns, [64500, 64501]);
  assert.deepEqual(resolveRulesConfig(undefined).hostSweep, defaultRulesConfig().hostSweep);
});

test('errors name the setting, what it must be and what it got', () => {
  const msg = (input: unknown) => {
    try {
      resolveRulesConfig(input);
    } catch (e) {
      assert.ok(e instanceof UserError);
      return e.message;
    }
    assert.fail('no error');
  };
  assert.equal(msg({ portScan: { ports: 'ten' } }), `The 'rules.portScan.ports' setting must be an integer in [1, 65535]. Got "ten" instead.`);
  assert.equal(msg({ portScan: { windowSeconds: 0 } }), `The 'rules.portScan.windowSeconds' setting must be a number > 0. Got 0 instead.`);
  assert.equal(msg({ flood: { severity: 5 } }), `The 'rules.flood.severity' setting must be 1, 2, 3 or 4 (1 is the highest, as in Suricata). Got 5 instead.`);
  assert.equal(msg({ portScan: { port: 5 } }), 'unknown setting rules.portScan.port (did you mean ports?); rules.portScan has enabled, ports, windowSeconds, failedOnly, severity');
  assert.match(msg({ portscan: {} }), /^unknown setting rules\.portscan \(did you mean portScan\?\)/);
  assert.equal(msg({ spoofing: { internalNetworks: ['10.0.0.0/40'] } }), `The 'rules.spoofing.internalNetworks' setting, item 1: "10.0.0.0/40" has prefix length "40"; it must be 0 to 32.`);
  assert.equal(msg({ bruteForce: { ports: [22, 70000] } }), `The 'rules.bruteForce.ports' setting must be a list of ports (integers 0 to 65535). Item 2 is 70000.`);
  assert.match(msg({ geoPolicy: { countries: ['Korea'] } }), /two-letter ISO 3166 country codes .* Item 1 is "Korea"/);
  assert.match(msg([1, 2]), /^rules must be a mapping of rule sections/);
});

test('ruleSettings: every setting as a run takes it, the file\'s values checked and marked as given', () => {
  const all = ruleSettings({ beaconing: { connections: 12, ignorePorts: [53] } });
  assert.deepEqual(all.map((r) => r.key), RULE_PARAMETERS.map((p) => `rules.${p.path}`));
  const by = new Map(all.map((r) => [r.key, r]));
  assert.deepEqual(by.get('rules.beaconing.connections'), { key: 'rules.beaconing.connections', value: 12, default: 8, given: true, description: RULE_PARAMETERS.find((p) => p.path === 'beaconing.connections')!.description });
  assert.deepEqual(by.get('rules.beaconing.ignorePorts')?.value, [53]);
  assert.equal(by.get('rules.beaconing.maxJitter')?.value, 0.05);
  assert.equal(by.get('rules.beaconing.maxJitter')?.given, false);
  assert.ok(ruleSettings(undefined).every((r) => !r.given && JSON.stringify(r.value) === JSON.stringify(r.default)));
  assert.throws(() => ruleSettings({ beaconing: { connections: 0 } }), UserError);
});
