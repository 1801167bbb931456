/**
 * Upload as the analysis pipeline's last sink: once every output is in place (commit), the
 * output folder goes to the WebDAV URL (upload.url or `analyze --upload URL`). A failed upload
 * does not undo the analysis: its outputs stay on disk, the failure is logged and reported, and
 * `netsentinel upload DIR URL` can send them later.
 */
import type { Sink } from '../analysis/sink.js';
import type { Logger } from '../util/logger.js';
import { uploadFolder, type UploadOptions, type UploadResult } from './webdav-upload.js';

export interface UploadSinkState {
  result?: UploadResult;
  error?: string;
}

export function uploadSink(o: Omit<UploadOptions, 'dir'> & { readonly logger: Logger }): Sink & { readonly state: UploadSinkState } {
  const state: UploadSinkState = {};
  let outDir = '';
  return {
    name: 'upload',
    state,
    async open(run) {
      outDir = run.outDir;
    },
    async commit() {
      try {
        state.result = await uploadFolder({ ...o, dir: outDir });
        o.logger.info({ files: state.result.files.length, bytes: state.result.bytes, target: state.result.target }, 'outputs uploaded');
      } catch (e) {
        state.error = (e as Error).message;
        o.logger.error(`${state.error}; the outputs stay in ${outDir} (send them later with: netsentinel upload ${outDir} URL)`);
      }
    },
  };
}
