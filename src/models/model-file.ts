/**
 * The model file (.nsm): one file per trained model, which loading never executes.
 *
 * The seeds pickled their models; unpickling runs arbitrary code, so a model file from a stranger
 * was a program. Ours is data only:
 *
 *   offset 0   8 bytes   magic "NSMODEL\n"
 *          8   u32 LE    format version
 *         12   u32 LE    header length H
 *         16   H bytes   header: UTF-8 JSON (everything but bulk numbers)
 *   16+H (8-aligned)     payload: the typed arrays of the state, each 8-byte aligned
 *   end − 32  32 bytes   SHA-256 of every byte before it
 *
 * Typed arrays inside the state are replaced in the JSON by {"$blob": i}, and blob i's type,
 * offset and length are listed in the header. Loading checks the magic, the version, the length
 * and the checksum before parsing anything, so a truncated, corrupted or foreign file is refused
 * with a message that says which.
 */
import { createHash } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { UserError } from '../util/errors.js';
import { writeFileAtomic } from '../util/atomic-output.js';

export const MODEL_FORMAT_VERSION = 1;
const MAGIC = Buffer.from('NSMODEL\n', 'latin1');
const TYPES = {
  Float64Array,
  Float32Array,
  Int32Array,
  Uint32Array,
  Int16Array,
  Uint16Array,
  Int8Array,
  Uint8Array,
} as const;
type TypeName = keyof typeof TYPES;

interface BlobInfo {
  type: TypeName;
  offset: number;
  length: number;
}

/** Serialise any plain value (objects, arrays, numbers, strings, booleans, null, typed arrays). */
export function encodeModel(doc: object): Buffer {
  const blobs: ArrayBufferView[] = [];
  const infos: BlobInfo[] = [];
  let payloadSize = 0;
  const json = JSON.stringify(doc, function (this: unknown, _key, value: unknown) {
    if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
      const type = value.constructor.name as TypeName;
      if (!(type in TYPES)) throw new Error(`model-file: cannot store ${type}`);
      payloadSize = align8(payloadSize);
      infos.push({ type, offset: payloadSize, length: (value as unknown as { length: number }).length });
      blobs.push(value);
      payloadSize += value.byteLength;
      return { $blob: infos.length - 1 };
    }
    if (typeof value === 'number' && !Number.isFinite(value)) {
      // JSON has no Infinity/NaN; keep them exactly
      return { $num: String(value) };
    }
    return value;
  });
  const header = Buffer.from(JSON.stringify({ blobs: infos, doc: JSON.parse(json) }), 'utf8');
  const payloadStart = align8(16 + header.length);
  const total = payloadStart + payloadSize + 32;
  const out = Buffer.alloc(total);
  MAGIC.copy(out, 0);
  out.writeUInt32LE(MODEL_FORMAT_VERSION, 8);
  out.writeUInt32LE(header.length, 12);
  header.copy(out, 16);
  infos.forEach((b, i) => {
    const v = blobs[i];
    Buffer.from(v.buffer, v.byteOffset, v.byteLength).copy(out, payloadStart + b.offset);
  });
  createHash('sha256').update(out.subarray(0, total - 32)).digest().copy(out, total - 32);
  return out;
}

/** Parse and verify; `where` names the file in messages. */
export function decodeModel(buf: Buffer, where: string): unknown {
  const damaged = (why: string): UserError =>
    new UserError(`${where} is damaged (${why}); train it again or restore a copy`);
  if (buf.length < 8 || !buf.subarray(0, 8).equals(MAGIC)) {
    throw new UserError(`${where} is not a netsentinel model file (it does not start with the model file signature)`);
  }
  if (buf.length < 16 + 32) throw damaged('truncated');
  const version = buf.readUInt32LE(8);
  if (version > MODEL_FORMAT_VERSION) {
    throw new UserError(`${where} was written by a newer netsentinel (model format ${version}; this one reads up to ${MODEL_FORMAT_VERSION}); upgrade netsentinel`);
  }
  if (version < 1) throw damaged(`unknown format version ${version}`);
  const headerLen = buf.readUInt32LE(12);
  if (16 + headerLen + 32 > buf.length) throw damaged('truncated');
  const want = buf.subarray(buf.length - 32);
  const got = createHash('sha256').update(buf.subarray(0, buf.length - 32)).digest();
  if (!got.equals(want)) throw damaged('checksum mismatch');
  let header: { blobs: BlobInfo[]; doc: unknown };
  try {
    header = JSON.parse(buf.subarray(16, 16 + headerLen).toString('utf8'));
  } catch {
    throw damaged('unreadable header');
  }
  // the checksum proves the bytes are as written, not that whoever wrote them meant well: every
  // field is checked before use, so a crafted file is refused as damaged, never a crash
  if (!header || typeof header !== 'object' || Array.isArray(header) || !Array.isArray(header.blobs) || !('doc' in header)) {
    throw damaged('header without blobs and document');
  }
  const payloadStart = align8(16 + headerLen);
  const payloadEnd = buf.length - 32;
  const arrays = header.blobs.map((b: unknown, i: number) => {
    if (!b || typeof b !== 'object') throw damaged(`blob ${i} is not described`);
    const { type, offset, length } = b as Record<string, unknown>;
    if (typeof type !== 'string' || !Object.hasOwn(TYPES, type)) throw damaged(`blob ${i} has unknown type ${describeJson(type)}`);
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || (offset as number) < 0 || (length as number) < 0) {
      throw damaged(`blob ${i} has an invalid offset or length`);
    }
    const T = TYPES[type as TypeName];
    const start = payloadStart + (offset as number);
    const bytes = (length as number) * T.BYTES_PER_ELEMENT;
    if ((offset as number) % 8 !== 0 || start + bytes > payloadEnd) throw damaged(`blob ${i} lies outside the file`);
    // copy into fresh, aligned memory (the file buffer may be pooled or unaligned)
    const copy = new Uint8Array(bytes);
    copy.set(buf.subarray(start, start + bytes));
    return new T(copy.buffer);
  });
  return revive(header.doc, arrays, damaged, 0);
}

/**
 * Write the model atomically (src/util/atomic-output.ts): a crash, a full disk or a signal never
 * leaves half a model under the real name; folders are created; a device, FIFO or folder is refused
 * and a symbolic link is written through. `who` starts the error message (the verb).
 */
export async function saveModelFile(path: string, doc: object, who = ''): Promise<number> {
  const buf = encodeModel(doc);
  await writeFileAtomic(path, buf, who, { makeDirs: true });
  return buf.length;
}

/** Largest model file read (the biggest forests we write are a few hundred MB). */
export const MAX_MODEL_BYTES = 2 ** 31 - 1;

export async function loadModelFile(path: string, maxBytes = MAX_MODEL_BYTES): Promise<unknown> {
  return decodeModel(await readBounded(path, maxBytes), path);
}

/**
 * The whole file, refusing one larger than `maxBytes` before reading it; a pipe or device
 * (`<(cat m.nsm)`, /dev/zero) is read up to the same bound, never without end.
 */
async function readBounded(path: string, maxBytes: number): Promise<Buffer> {
  const tooBig = (): UserError => new UserError(`${path} is larger than ${maxBytes.toLocaleString('en-US')} bytes: not a model file netsentinel wrote`);
  let fh: FileHandle | undefined;
  try {
    fh = await open(path, 'r');
    const st = await fh.stat();
    if (st.isDirectory()) throw new UserError(`${path} is a folder, not a model file`);
    if (st.isFile() && st.size > maxBytes) throw tooBig();
    const parts: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.allocUnsafe(st.isFile() ? Math.max(1, Math.min(st.size - total + 1, 1 << 24)) : 1 << 20);
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      total += bytesRead;
      if (total > maxBytes) throw tooBig();
      parts.push(bytesRead === chunk.length ? chunk : chunk.subarray(0, bytesRead));
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts, total);
  } catch (e) {
    if (e instanceof UserError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw Object.assign(new UserError(`model file ${path} does not exist`), { missing: true });
    if (code === 'EISDIR') throw new UserError(`${path} is a folder, not a model file`);
    throw new UserError(`cannot read model file ${path}: ${(e as Error).message}`);
  } finally {
    await fh?.close();
  }
}

/** A value parsed from the header, for a message (String() of a crafted object can throw). */
function describeJson(v: unknown): string {
  const s = JSON.stringify(v) ?? typeof v;
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

/** Deeper than any model writes; a crafted file nested deeper would overflow the stack. */
const MAX_DEPTH = 200;

function revive(v: unknown, arrays: ArrayBufferView[], damaged: (w: string) => Error, depth: number): unknown {
  if (depth > MAX_DEPTH) throw damaged(`nested more than ${MAX_DEPTH} levels deep`);
  if (Array.isArray(v)) return v.map((x) => revive(x, arrays, damaged, depth + 1));
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    if ('$blob' in o && Object.keys(o).length === 1) {
      const i = o.$blob as number;
      if (!Number.isInteger(i) || i < 0 || i >= arrays.length) throw damaged(`reference to missing blob ${describeJson(i)}`);
      return arrays[i];
    }
    if ('$num' in o && Object.keys(o).length === 1) {
      if (typeof o.$num !== 'string') throw damaged(`a number written as ${describeJson(o.$num)}`);
      return Number(o.$num);
    }
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(o)) {
      if (k === '__proto__' || k === 'constructor' || k === 'prototype') continue;
      out[k] = revive(o[k], arrays, damaged, depth + 1);
    }
    return out;
  }
  return v;
}

function align8(n: number): number {
  return (n + 7) & ~7;
}
