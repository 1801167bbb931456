/**
 * `netsentinel VERB --help` (and a mistake in the options) is answered from the verb's option table
 * alone when commands.ts names a light module for it: the table must be the verb's own, and that
 * module must not pull in what the verb runs (readers, models, rules, stores, drivers). Checked on
 * the compiled files' static imports (what Node loads before any code runs), without running them.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { commands, loadVerb, verbName, type LazyVerb } from './commands.js';

const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** every file of ours a module imports statically, transitively, and the packages it names */
function staticGraph(file: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const visit = (f: string): void => {
    if (files.has(f)) return;
    files.add(f);
    const text = readFileSync(f, 'utf8');
    // `import ... from 'x'`, `export ... from 'x'`, `import 'x'` (type-only imports are gone from the .js)
    for (const m of text.matchAll(/^(?:import|export)\s(?:[^'";]*?\sfrom\s)?['"]([^'"]+)['"]/gm)) {
      const spec = m[1];
      if (spec.startsWith('.')) visit(resolve(dirname(f), spec));
      else packages.add(spec);
    }
  };
  visit(file);
  return { files, packages };
}

const light = commands.filter((e): e is LazyVerb & Required<Pick<LazyVerb, 'loadSpec'>> => !('spec' in e) && typeof e.loadSpec === 'function');

test('the verbs with a light option table: the heavy ones at least', () => {
  for (const name of ['analyze', 'capture', 'serve', 'stream', 'respond', 'decisions', 'block', 'notify', 'intel', 'keys', 'publish', 'models', 'train', 'compare', 'search']) assert.ok(light.some((e) => e.name === name), name);
});

test("a light option table is the verb's own (the same object), so --help and parsing say what the verb reads", async () => {
  for (const entry of light) assert.equal(await entry.loadSpec(), (await loadVerb(entry)).spec, verbName(entry));
});

/** what an option table may load: the option parser, settings, small helpers, and the constants moved out of the heavy modules for it */
const LIGHT = /^(cli\/(args|capture-options|data-option-table|flow-alert-options|store-choice|analyze-intel-upload|verbs\/[a-z-]+-spec|verbs\/respond-hook|verbs\/respond-option-table)|config\/(settings|dotenv|dotenv-paths|relative-paths|setting-keys|config-file-paths)|util\/(errors|closest-name|fs-errors|thousands|default-threads)|sources\/input-limits|respond\/decision|analysis\/flow-alert-limit|store\/store-url|stream\/stream-defaults|adapt\/adapt-option-table|models\/registry|evaluate\/metric-names)\.js$/;

test('a light option table loads no reader, model, rule, report, store or driver: only light modules of ours and node: packages', () => {
  for (const entry of light) {
    const { files, packages } = staticGraph(join(DIST, 'cli', 'verbs', `${entry.name}-spec.js`));
    const ours = [...files].map((f) => f.slice(DIST.length + 1));
    assert.deepEqual([...packages].filter((p) => !p.startsWith('node:')), [], `${entry.name}-spec: packages`);
    assert.deepEqual(ours.filter((f) => !LIGHT.test(f)), [], `${entry.name}-spec loads modules beyond the light ones`);
    assert.ok(files.size <= 25, `${entry.name}-spec loads ${files.size} modules: ${ours.join(', ')}`);
  }
});
