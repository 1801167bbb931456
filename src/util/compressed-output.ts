/**
 * An output written compressed as it goes: what is written is gzip-compressed (Node's zlib, on its
 * thread pool) or zstd-compressed (the `zstd` program, on a core of its own) into another output,
 * which is only closed (renamed into place, for an atomic file) once the compressor has flushed
 * everything: `capture --write DIR --compress` keeps weeks of packets at a fraction of the space, in
 * files every reader here (and zcat, zstdcat, Wireshark) reads back; and an output named `.gz` or
 * `.zst` (`flows -o conn.log.gz`, `predict -o scores.csv.zst`) is what its name says, not text
 * under a compressed name.
 */
import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';
import { createGzip } from 'node:zlib';
import { openOutput, type OutputStream } from './atomic-output.js';
import { UserError } from './errors.js';
import { findProgram } from './find-program.js';
import { runZstd } from './zstd-program.js';

export type OutputCompression = 'gzip' | 'zstd';

/** the file name ending each compression adds */
export const COMPRESSED_SUFFIX: Readonly<Record<OutputCompression, string>> = { gzip: '.gz', zstd: '.zst' };

/**
 * `inner` behind a compressor. `zstdProgram`: the zstd executable (the caller finds it, and says
 * when it is missing, before anything is captured). Errors name `display`.
 */
export function compressedOutput(inner: OutputStream, kind: OutputCompression, display: string, zstdProgram?: string): OutputStream {
  let input: Writable;
  let output: Readable;
  let exited: Promise<void> = Promise.resolve();
  let kill = (): void => {};
  if (kind === 'gzip') {
    const gz = createGzip({ level: 6 });
    input = gz;
    output = gz;
    kill = () => gz.destroy();
  } else {
    if (!zstdProgram) throw new UserError(`${display}: zstd compression needs the zstd program (Debian package zstd)`);
    const zstd = runZstd(zstdProgram, ['-q', '-c', '-3']);
    const child = zstd.child;
    input = child.stdin;
    output = child.stdout;
    exited = zstd.closed.then(
      ({ code, signal }) => {
        if (code !== 0) throw new UserError(`${display}: zstd failed (${zstd.lastError() || (signal ?? `exit ${code}`)})`);
      },
      (e: Error) => {
        throw new UserError(`${display}: cannot run zstd (${e.message})`);
      },
    );
    exited.catch(() => {});
    kill = () => child.kill();
  }
  let inputError: Error | undefined;
  input.on('error', (e) => (inputError = e));
  // the compressed bytes go on to the inner output in order, each write waited for
  const pumped = (async () => {
    for await (const c of output) await inner.write(c as Buffer);
  })();
  pumped.catch(() => {});
  let done = false;
  return {
    async write(chunk) {
      if (inputError) throw new UserError(`${display}: compressing failed (${inputError.message})`);
      if (!input.write(chunk)) await Promise.race([once(input, 'drain'), pumped]);
    },
    async close() {
      if (done) return;
      done = true;
      input.end();
      await pumped;
      await exited;
      if (inputError) throw new UserError(`${display}: compressing failed (${inputError.message})`);
      await inner.close();
    },
    async abort() {
      done = true;
      kill();
      await inner.abort();
    },
  };
}

/** The compression an output's name asks for (`.gz`, `.zst`), or undefined ('-', stdout, never). */
export function compressionOfName(path: string): OutputCompression | undefined {
  if (/\.gz$/i.test(path)) return 'gzip';
  if (/\.zst$/i.test(path)) return 'zstd';
  return undefined;
}

/** An output's name without the suffix that asks for compression (`conn.log.gz` → `conn.log`): what it holds. */
export function uncompressedName(path: string): string {
  return compressionOfName(path) ? path.replace(/\.(gz|zst)$/i, '') : path;
}

/**
 * openOutput, compressed when the name ends `.gz` or `.zst`; a `.zst` without the zstd program, and
 * an `.lz4` name, are a UserError under `who` before anything is written.
 */
export async function openNamedOutput(path: string, who: string): Promise<OutputStream> {
  // read, never written: plain text under an .lz4 name would fail in lz4 -d and Wireshark
  if (/\.lz4$/i.test(path)) throw new UserError(`${who}: ${path} names an lz4 file, which netsentinel reads but does not write; name it .gz or .zst, or pipe the output to lz4 (-o - | lz4 > ${path.replace(/^.*\//, '')})`);
  const kind = compressionOfName(path);
  const zstdProgram = kind === 'zstd' ? findProgram('zstd') : undefined;
  if (kind === 'zstd' && !zstdProgram) throw new UserError(`${who}: ${path} names a zstd file, which needs the zstd program (Debian package zstd); a .gz name needs nothing more`);
  const file = await openOutput(path, who);
  return kind ? compressedOutput(file, kind, path, zstdProgram) : file;
}
