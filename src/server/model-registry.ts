/**
 * The models a running service holds: loaded from the files it was given (or every *.nsm in a
 * folder), each with its compiled row encoder, and reloaded when a file changes or on SIGHUP.
 * A reload builds the new model completely first and then swaps one reference, so a request in
 * flight finishes on the model it started with and no request ever sees a half-loaded one; a
 * file that fails to load leaves the previous model serving (and says why in the log).
 */
import { readdirSync, statSync, watchFile, unwatchFile } from 'node:fs';
import { basename, extname, join } from 'node:path';
import { loadTrainedModel, type TrainedModel } from '../models/trained-model.js';
import { loadBaseline, type Baseline } from '../risk/baseline.js';
import { createFlowScorer, type FlowScorer } from '../risk/flow-scorer.js';
import { compileRowEncoder, type RowEncoder, type UnknownCategory } from './row-encoder.js';
import { UserError } from '../util/errors.js';

export interface LoadedModel {
  readonly name: string;
  readonly path: string;
  readonly model: TrainedModel;
  readonly encoder: RowEncoder;
  readonly loadedAt: string;
  readonly fileModified: string;
}

export interface LoadedBaseline {
  readonly path: string;
  readonly baseline: Baseline;
  readonly scorer: FlowScorer;
  readonly loadedAt: string;
}

export interface ModelRegistryOptions {
  readonly modelFiles: readonly string[];
  readonly modelsDir?: string;
  readonly baselineFile?: string;
  readonly unknownCategory: UnknownCategory;
  /** the model /classify uses (default: the first classifier) */
  readonly classifyModel?: string;
  readonly log: (level: 'info' | 'error', msg: string, extra?: Record<string, unknown>) => void;
}

export class ModelRegistry {
  private models = new Map<string, LoadedModel>();
  private base: LoadedBaseline | undefined;
  private watched: string[] = [];
  private reloading: Promise<void> = Promise.resolve();
  reloads = 0;

  private constructor(private readonly o: ModelRegistryOptions) {}

  static async open(o: ModelRegistryOptions): Promise<ModelRegistry> {
    const r = new ModelRegistry(o);
    const files = r.modelPaths();
    for (const f of files) {
      const m = await loadOne(f, o.unknownCategory);
      if (r.models.has(m.name)) throw new UserError(`two model files are both named "${m.name}": ${r.models.get(m.name)!.path} and ${f}`);
      r.models.set(m.name, m);
    }
    if (o.baselineFile) r.base = await loadBase(o.baselineFile, r.classifier()?.model);
    if (o.classifyModel && !r.models.has(o.classifyModel)) {
      throw new UserError(`classify.model is "${o.classifyModel}", but the service holds ${[...r.models.keys()].join(', ') || 'no model'}`);
    }
    return r;
  }

  private modelPaths(): string[] {
    const files = [...this.o.modelFiles];
    if (this.o.modelsDir) {
      let names: string[];
      try {
        names = readdirSync(this.o.modelsDir);
      } catch (e) {
        throw new UserError(`--models ${this.o.modelsDir}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such folder' : (e as Error).message}`);
      }
      for (const n of names.sort()) if (extname(n) === '.nsm') files.push(join(this.o.modelsDir, n));
    }
    return files;
  }

  list(): LoadedModel[] {
    return [...this.models.values()];
  }
  get(name: string): LoadedModel | undefined {
    return this.models.get(name);
  }
  /** the model /classify answers with */
  classifier(): LoadedModel | undefined {
    if (this.o.classifyModel) return this.models.get(this.o.classifyModel);
    // called on every /classify: no array built per request
    for (const m of this.models.values()) if (m.model.kind === 'classifier') return m;
    return undefined;
  }
  baseline(): LoadedBaseline | undefined {
    return this.base;
  }

  /** Reload every file (SIGHUP), or the one that changed. Serialised: one reload at a time. */
  reload(onlyPath?: string): Promise<void> {
    this.reloading = this.reloading.then(() => this.doReload(onlyPath));
    return this.reloading;
  }

  private async doReload(onlyPath?: string): Promise<void> {
    const paths = this.modelPaths();
    for (const p of paths) {
      if (onlyPath && p !== onlyPath) continue;
      try {
        const m = await loadOne(p, this.o.unknownCategory);
        this.models.set(m.name, m);
        this.o.log('info', 'model reloaded', { model: m.name, file: p });
      } catch (e) {
        this.o.log('error', 'model reload failed; the previous model keeps serving', { file: p, error: (e as Error).message });
      }
    }
    if (this.o.baselineFile && (!onlyPath || onlyPath === this.o.baselineFile)) {
      try {
        this.base = await loadBase(this.o.baselineFile, this.classifier()?.model);
        this.o.log('info', 'baseline reloaded', { file: this.o.baselineFile });
      } catch (e) {
        this.o.log('error', 'baseline reload failed; the previous one keeps serving', { file: this.o.baselineFile, error: (e as Error).message });
      }
    }
    this.reloads++;
  }

  /** Reload a file when its modification time changes (polling: survives replace-by-rename). */
  watch(intervalMs = 1000): void {
    const paths = [...this.modelPaths(), ...(this.o.baselineFile ? [this.o.baselineFile] : [])];
    for (const p of paths) {
      watchFile(p, { interval: intervalMs, persistent: false }, (cur, prev) => {
        if (cur.mtimeMs !== prev.mtimeMs && cur.size > 0) void this.reload(p);
      });
      this.watched.push(p);
    }
  }

  close(): void {
    for (const p of this.watched) unwatchFile(p);
    this.watched = [];
  }
}

async function loadOne(path: string, unknownCategory: UnknownCategory): Promise<LoadedModel> {
  const model = await loadTrainedModel(path);
  return {
    name: basename(path, extname(path)),
    path,
    model,
    encoder: compileRowEncoder(model.pipeline, unknownCategory),
    loadedAt: new Date().toISOString(),
    fileModified: statSync(path).mtime.toISOString(),
  };
}

async function loadBase(path: string, classifier: TrainedModel | undefined): Promise<LoadedBaseline> {
  const baseline = await loadBaseline(path);
  // the classifier joins flow risk only when the baseline's data has every column it reads
  const have = new Set(baseline.reference?.columns.map((c) => c.name) ?? []);
  const fits = classifier !== undefined && have.size > 0 && classifier.pipeline.inputs.every((i) => have.has(i.name));
  return { path, baseline, scorer: createFlowScorer(baseline, fits ? classifier : undefined), loadedAt: new Date().toISOString() };
}
