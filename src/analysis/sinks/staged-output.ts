/**
 * An output of analyze that is complete but not yet in place: its bytes sit in a temporary beside
 * the target (src/util/atomic-output.ts) until the pipeline commits every sink, so one failed or
 * interrupted run leaves the previous outputs (or none), never a mix or a half-written file.
 */
import { openOutput, type OutputStream } from '../../util/output-stream.js';

export interface StagedOutput {
  /** rename into place */
  commit(): Promise<void>;
  /** remove the temporary */
  abort(): Promise<void>;
}

/** A stream written batch by batch; `staged()` once the last byte is written. */
export async function openStaged(path: string): Promise<OutputStream & StagedOutput> {
  const out = await openOutput(path, 'analyze');
  return { write: (t) => out.write(t), close: () => out.close(), commit: () => out.close(), abort: () => out.abort() };
}

/** A whole file written at once. */
export async function stageFile(path: string, data: string | Uint8Array): Promise<StagedOutput> {
  const out = await openStaged(path);
  try {
    await out.write(data);
  } catch (e) {
    await out.abort().catch(() => undefined);
    throw e;
  }
  return out;
}

/** What a sink holds until commit or abort. */
export class StagedSet {
  private readonly items: StagedOutput[] = [];
  add<T extends StagedOutput>(s: T): T {
    this.items.push(s);
    return s;
  }
  async commit(): Promise<void> {
    for (const s of this.items.splice(0)) await s.commit();
  }
  async abort(): Promise<void> {
    for (const s of this.items.splice(0)) await s.abort().catch(() => undefined);
  }
}
