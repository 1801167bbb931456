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
