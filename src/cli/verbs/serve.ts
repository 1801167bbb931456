/**
 * `netsentinel serve`: the HTTP service (src/server/): seed 004's POST /classify, the /v1 API,
 * the dashboard and /metrics, from the models and baseline given, on the store. Runs until
 * SIGTERM or SIGINT (graceful: requests in flight finish, the store closes); SIGHUP reloads the
 * models.
 */
import type { Command } from '../command.js';
import { SERVE_SPEC } from './serve-spec.js';
import { isHostText, serverConfigFrom } from '../../server/server-config.js';
import { startService } from '../../server/service.js';
import { UserError } from '../../util/errors.js';
import { onInterrupt } from '../../util/atomic-output.js';
import { settingsFromArgs } from '../../config/settings.js';
import { allowlistFrom, settingsAndStore } from './respond-common.js';

export const serve: Command = {
  spec: SERVE_SPEC,
  async run({ args, progress, out, json }) {
    const v = args.values;
    if (v.port !== undefined && ((v.port as number) < 0 || (v.port as number) > 65535)) throw new UserError(`serve: --port must be from 0 to 65535, got ${v.port}`);
    if (typeof v.host === 'string' && !isHostText(v.host)) throw new UserError(`serve: --host must be an IP address or a host name, got "${v.host}"`);
    // --host and --port are the flag layer of server.host and server.port: one loader, one precedence
    const settings = settingsFromArgs(v, { 'server.host': v.host, 'server.port': v.port });
    const config = serverConfigFrom(settings.section('server'), {}, settings.configFile ?? 'the settings');
    // the store and the allowlist as `decisions` resolves them, so both see the same decisions and refuse the same bans
    const { settings: respondSettings, store } = await settingsAndStore(v);
    const allowlist = await allowlistFrom(respondSettings);
    const modelFiles = ((v.model as string[] | undefined) ?? []).flatMap((m) => m.split(',')).filter(Boolean);
    if (modelFiles.length === 0 && !v.models) progress.note('serving without a model: /classify answers 409 until one is given with --model');
    const svc = await startService({ config, modelFiles, modelsDir: v.models as string | undefined, baselineFile: v.baseline as string | undefined, store, settings, allowlist, notify: respondSettings.notify, notifyManual: respondSettings.respond.notifyManual });
    const models = svc.ctx.models.list();
    const base = svc.ctx.models.baseline();
    if (json) out(JSON.stringify({ listening: svc.url, models: models.map((m) => m.name), classify: svc.ctx.models.classifier()?.name ?? null, baseline: base?.path ?? null, store: svc.ctx.store.where, keysRequired: svc.ctx.authRequired }));
    else {
      out(`netsentinel listening on ${svc.url}`);
      out(`  models    ${models.length ? models.map((m) => `${m.name} (${m.model.estimator.name}, ${m.model.kind})`).join(', ') : 'none'}`);
      out(`  classify  ${svc.ctx.models.classifier()?.name ?? 'no classifier'} (min confidence ${config.classify.minConfidence})`);
      // said only when given (the banner without one is seed 004's, as the README shows it): with
      // it, /v1/analyze and /v1/risk/flows answer, and the user sees which baseline they judge by
      if (base) out(`  baseline  ${base.path} (${base.baseline.detectors.map((d) => d.model.estimator.name).join(', ')}; POST /v1/analyze, /v1/risk/flows)`);
      out(`  store     ${svc.ctx.store.where}`);
      out(`  keys      ${svc.ctx.authRequired ? 'required' : 'not required (loopback)'}`);
      out(`  docs      ${svc.url}/docs   dashboard ${svc.url}/dashboard/`);
    }
    return new Promise<number>((resolve) => {
      const stop = (sig: string) => {
        // one line: a service manager's SIGTERM needs no advice, Ctrl-C in a terminal gets the way out
        process.stderr.write(`netsentinel: ${sig}: finishing requests in flight, then stopping${sig === 'SIGINT' ? ' (Ctrl-C again stops at once)' : ''}\n`);
        svc.close().then(
          () => resolve(0),
          (e) => {
            process.stderr.write(`netsentinel: error while stopping: ${(e as Error).message}\n`);
            resolve(1);
          },
        );
      };
      // the CLI's interrupt handling (src/util/atomic-output.ts) lets a verb claim the signal and stop
      // cleanly; 'announced': the line above says it all (no second line; a second signal still stops at once)
      onInterrupt((sig) => {
        stop(sig);
        return 'announced';
      });
      process.on('SIGHUP', () => {
        process.stderr.write('netsentinel: SIGHUP: reloading models\n');
        void svc.reload();
      });
    });
  },
};
