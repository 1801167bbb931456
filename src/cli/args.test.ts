import { test } from 'node:test';
import assert from 'node:assert/strict';
import { helpText, parseCommand, parseKeyValues, splitTopLevelCommas, type CommandSpec } from './args.js';
import { UserError } from '../util/errors.js';

const spec: CommandSpec = {
  name: 'demo',
  summary: 'a demo verb',
  usage: 'FILE [options]',
  positionals: { min: 1, max: 1, name: 'FILE' },
  options: [
    { name: 'model', type: 'string', description: 'model', default: 'gradient-boosting', choices: ['gradient-boosting', 'random-forest'] },
    { name: 'cv', type: 'integer', description: 'folds' },
    { name: 'split', type: 'number', description: 'share' },
    { name: 'param', type: 'list', description: 'params' },
  ],
  examples: ['netsentinel demo x.csv'],
};

test('options parse to typed values with defaults', () => {
  const a = parseCommand(spec, ['x.csv', '--cv', '5', '--split=0.2', '--param', 'a=1,b=[8,4]', '--param', 'c=x']);
  assert.equal(a.values.model, 'gradient-boosting');
  assert.equal(a.values.cv, 5);
  assert.equal(a.values.split, 0.2);
  assert.deepEqual(a.values.param, ['a=1', 'b=[8,4]', 'c=x']);
  assert.deepEqual(parseKeyValues('demo', 'param', a.values.param as string[]), { a: 1, b: [8, 4], c: 'x' });
});

test('usage mistakes are one-line UserErrors that point to --help', () => {
  const bad = (argv: string[], re: RegExp): void =>
    assert.throws(() => parseCommand(spec, argv), (e: unknown) => e instanceof UserError && re.test(e.message) && !e.message.includes('\n'));
  bad(['x.csv', '--cv', '2.5'], /--cv takes a whole number, got "2\.5"/);
  bad(['x.csv', '--split', 'abc'], /--split takes a number, got "abc"/);
  bad(['x.csv', '--model', 'nope'], /--model must be one of gradient-boosting, random-forest/);
  bad(['x.csv', '--nope'], /demo: .*nope.*see 'netsentinel demo --help'/);
  bad(['x.csv', '--nope'], /^demo: unknown option --nope \(see/);
  bad(['x.csv', '--modle', 'x'], /^demo: unknown option --modle; did you mean --model\? \(see/);
  bad(['x.csv', '--spl=0.2'], /did you mean --split\?/);
  bad([], /missing FILE/);
  bad(['a', 'b'], /too many arguments: b/);
});

test('help prints every default and the examples', () => {
  const h = helpText(spec);
  assert.match(h, /\[default: gradient-boosting\]/);
  assert.match(h, /Examples:\n  netsentinel demo x\.csv/);
});

test('commas split only at the top level', () => {
  assert.deepEqual(splitTopLevelCommas('a,b=[1,2],c={"x":1,"y":2},d="p,q"'), ['a', 'b=[1,2]', 'c={"x":1,"y":2}', 'd="p,q"']);
});

test('negative values reach the option (not "ambiguous") and ranges are checked with the real reason', () => {
  const ranged: CommandSpec = {
    ...spec,
    options: [
      { name: 'threads', short: 't', type: 'integer', description: 'threads', range: { min: 1, max: 256 } },
      { name: 'eps', type: 'number', description: 'radius', range: { min: 0, minOpen: true } },
      { name: 'fail-on', type: 'number', description: 'risk', range: { min: 0, max: 1 } },
      { name: 'share', type: 'number', description: 'share', range: { min: 0, max: 1, minOpen: true, maxOpen: true } },
      { name: 'offset', type: 'number', description: 'any number' },
    ],
  };
  const bad = (argv: string[], re: RegExp): void =>
    assert.throws(() => parseCommand(ranged, ['x.csv', ...argv]), (e: unknown) => e instanceof UserError && re.test(e.message) && !/ambiguous/.test(e.message));
  bad(['--threads', '-1'], /--threads must be from 1 to 256, got -1/);
  bad(['-t', '-4'], /--threads must be from 1 to 256, got -4/);
  bad(['--threads', '1000'], /--threads must be from 1 to 256, got 1000/);
  bad(['--eps', '-1'], /--eps must be greater than 0, got -1/);
  bad(['--eps', '0'], /--eps must be greater than 0, got 0/);
  bad(['--fail-on', '1.5'], /--fail-on must be between 0 and 1, got 1\.5/);
  bad(['--share', '-.5'], /--share must be strictly between 0 and 1, got -\.5/);
  bad(['--share', '1'], /--share must be strictly between 0 and 1, got 1/);
  bad(['--eps', '-inf'], /--eps takes a number, got "-inf"/);
  assert.equal(parseCommand(ranged, ['x.csv', '--offset', '-2.5']).values.offset, -2.5);
  assert.equal(parseCommand(ranged, ['x.csv', '--fail-on', '0', '-t', '256']).values.threads, 256);
  assert.deepEqual(parseCommand(ranged, ['--', '-1']).positionals, ['-1'], 'after -- a negative number is a positional');
  assert.match(helpText(ranged), /threads \(from 1 to 256\)/);
});

test('the verb list: every lazy entry loads a verb of its name and summary; help texts point only at docs that exist', async () => {
  const { commands, loadVerb, verbName, verbSummary } = await import('./commands.js');
  const { existsSync } = await import('node:fs');
  const root = new URL('../../', import.meta.url);
  for (const entry of commands) {
    const cmd = await loadVerb(entry);
    assert.equal(cmd.spec.name, verbName(entry));
    assert.equal(cmd.spec.summary, verbSummary(entry), `${verbName(entry)}: the summary in commands.ts matches the verb's`);
    for (const doc of helpText(cmd.spec).match(/docs\/[\w.-]+\.md/g) ?? []) {
      assert.ok(existsSync(new URL(doc, root)), `${verbName(entry)} --help points at ${doc}, which exists`);
    }
  }
});

test('a choice that belongs to the neighbouring option says so; the first of two positionals given names the second', () => {
  const two: CommandSpec = {
    ...spec,
    positionals: { min: 2, name: 'MODEL and DATA', each: ['MODEL', 'DATA'] },
    options: [
      { name: 'format', type: 'string', description: 'layout', choices: ['cic', 'zeek'], default: 'cic' },
      { name: 'output-format', type: 'string', description: 'encoding', choices: ['csv', 'jsonl'], default: 'csv' },
    ],
  };
  assert.throws(() => parseCommand(two, ['m', 'd', '--format', 'jsonl']), { message: /--format must be one of cic, zeek, got "jsonl" \("jsonl" is a value of --output-format\)/ });
  assert.throws(() => parseCommand(two, ['m', 'd', '--format', 'xml']), (e: Error) => !/is a value of/.test(e.message));
  assert.throws(() => parseCommand(two, ['m']), { message: /^demo: missing DATA \(/ });
  assert.throws(() => parseCommand(two, []), { message: /^demo: missing MODEL and DATA \(/ });
});
