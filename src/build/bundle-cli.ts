/**
 * The command's build for users: tsc's dist/cli/main.js, with every verb and every worker thread's
 * module, bundled by esbuild into dist/bundle/ (ES modules; each part loaded lazily, a verb, a
 * model, a sink, stays a chunk of its own, loaded when it was loaded before). bin/netsentinel runs
 * dist/bundle/main.js when it is there; tests and `node dist/cli/main.js` run tsc's files as before.
 *
 * Why: Node 20 loads an ES module graph file by file (resolve, stat, read, compile, link), and the
 * analyze verb alone is ~195 of our files (~70 chunks of the bundle). `analyze --timings` of a
 * 10,000-packet capture on one CPU, alternated, 4 runs each (December 2026, a busy machine):
 * "modules" 250-323 ms from tsc's files (loaded by require()) → 186-214 ms from the bundle, the
 * whole run 1.01-1.12 → 0.82-0.92 s (the modules the run imports later, its model's, the sinks',
 * load faster too). One chunk for everything is no good: it would load every verb's packages.
 *
 * What the bundle must keep true (bundle.test.ts runs the bundled command for each):
 *  - worker threads start from `new URL('./NAME.js', import.meta.url)`: every chunk is in
 *    dist/bundle/, so each worker module is an entry point named by its file name, found by
 *    scanning the compiled files for that form (a new worker is bundled without a list to keep;
 *    two of one name are refused);
 *  - one copy of each module (an error class is checked by instanceof in run-verb.ts): the whole
 *    command is one graph from main.js, its verbs behind their literal import()s;
 *  - packages stay outside (resolved from node_modules as before, their native parts included);
 *  - paths built from import.meta.url: main.ts's '../../package.json' (dist/bundle is as deep as
 *    dist/cli), createRequire(import.meta.url) for packages.
 *
 * esbuild's own install script is not run (package.json `allowScripts`: false, so npm 11 does not
 * warn about it): it checks for the platform's esbuild binary, which npm installs from the registry
 * as an optional package (@esbuild/linux-x64 and the like), and would download it if missing; the
 * API finds that package by itself.
 *
 *   node dist/build/bundle-cli.js        (npm run build runs it after tsc)
 */
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const DIST = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const OUT = join(DIST, 'bundle');

/** the compiled product files (no tests, benchmarks, test helpers or this build's own) */
function productFiles(dir: string, out: string[] = []): string[] {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    const rel = relative(DIST, p);
    if (e.isDirectory()) {
      if (!['bench', 'testing', 'build', 'bundle'].includes(rel)) productFiles(p, out);
    } else if (e.name.endsWith('.js') && !e.name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

/** every module started as a worker thread: `new URL('./NAME.js', import.meta.url)` in a product file, by its output name */
export function workerEntries(): Record<string, string> {
  const entries: Record<string, string> = {};
  for (const file of productFiles(DIST)) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/new URL\((['"])\.\/([\w.-]+)\.js\1,\s*import\.meta\.url\)/g)) {
      const target = join(dirname(file), `${m[2]}.js`);
      // (the form in a comment, naming an example: no such file)
      if (!existsSync(target)) continue;
      const name = basename(m[2]);
      if (entries[name] && entries[name] !== target) throw new Error(`two worker modules named ${name}.js: ${entries[name]} and ${target}; the bundle keeps one folder`);
      entries[name] = target;
    }
  }
  return entries;
}

export async function bundleCli(): Promise<{ files: number; bytes: number }> {
  rmSync(OUT, { recursive: true, force: true });
  const workers = workerEntries();
  const result = await build({
    entryPoints: { main: join(DIST, 'cli', 'main.js'), ...workers },
    outdir: OUT,
    entryNames: '[name]',
    // beside the entries: a chunk's import.meta.url must name the same folder as theirs
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    metafile: true,
    logLevel: 'warning',
  });
  const outputs = Object.values(result.metafile.outputs);
  return { files: outputs.length, bytes: outputs.reduce((a, o) => a + o.bytes, 0) };
}

const invoked = (() => {
  try {
    return !!process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
})();
if (invoked) {
  bundleCli().then(
    ({ files, bytes }) => process.stderr.write(`bundle: ${relative(process.cwd(), OUT) || OUT}: ${files} files, ${(bytes / 1024).toFixed(0)} KiB\n`),
    (e: unknown) => {
      process.stderr.write(`bundle: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    },
  );
}
