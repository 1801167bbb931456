/**
 * `netsentinel upload OUTDIR URL`: an output folder to a WebDAV server (Apache httpd with mod_dav),
 * as seed 001 uploaded its reports: folders made as needed, every file PUT, then checked by
 * PROPFIND. The password comes from the settings (upload.password, NETSENTINEL_UPLOAD_PASSWORD,
 * .env), never from the command line where `ps` would show it.
 */
import type { Command } from '../command.js';
import { SETTINGS_OPTIONS, SETTINGS_PRECEDENCE, settingsFromArgs } from '../../config/settings.js';
import { loggerFromSettings } from '../../util/logger.js';
import { uploadFolder } from '../../upload/webdav-upload.js';
import { UserError } from '../../util/errors.js';
import { formatSeconds } from '../progress.js';
import { thousands } from '../../util/thousands.js';

export const upload: Command = {
  spec: {
    name: 'upload',
    summary: 'send an output folder to a web server by WebDAV (Apache mod_dav): MKCOL, PUT, PROPFIND check',
    usage: 'OUTDIR [URL] [options]',
    positionals: { min: 1, max: 2, name: 'OUTDIR (and the WebDAV folder URL, else upload.url)' },
    description: `Basic auth: --user or upload.username; the password from upload.password (NETSENTINEL_UPLOAD_PASSWORD
or a .env file), or user:password@ in the URL. analyze uploads by itself after writing when upload.url is set
(or with --upload URL).
${SETTINGS_PRECEDENCE}`,
    options: [
      { name: 'user', type: 'string', value: 'NAME', description: 'basic-auth user (upload.username)' },
      { name: 'timeout', type: 'number', value: 'SECONDS', description: 'per-request timeout (upload.timeoutSeconds; default 30)' },
      { name: 'no-verify', type: 'boolean', description: 'skip the PROPFIND check of sizes afterwards' },
      ...SETTINGS_OPTIONS,
    ],
    examples: ['NETSENTINEL_UPLOAD_PASSWORD=... netsentinel upload netsentinel-output https://reports.example/dav/netsentinel/ --user soc', 'netsentinel upload out/ --config deploy.yaml --json'],
  },
  async run({ args, out, json, progress }) {
    const v = args.values;
    const settings = settingsFromArgs(v, { 'upload.url': args.positionals[1], 'upload.username': v.user, 'upload.timeoutSeconds': v.timeout });
    const url = settings.string('upload.url');
    if (!url) throw new UserError('upload: no URL: give it after OUTDIR or set upload.url (NETSENTINEL_UPLOAD_URL)');
    const log = loggerFromSettings(settings);
    const r = await uploadFolder({
      dir: args.positionals[0],
      url,
      username: settings.string('upload.username'),
      password: settings.string('upload.password'),
      timeoutMs: settings.number('upload.timeoutSeconds', { above: 0 })! * 1000,
      verify: !v.noVerify,
      logger: log,
    });
    progress.note(`uploaded ${thousands(r.files.length)} files (${r.bytes.toLocaleString('en-US')} bytes) in ${formatSeconds(r.seconds)}`);
    if (json) out(JSON.stringify(r, null, 2));
    else out(`${thousands(r.files.length)} files, ${r.bytes.toLocaleString('en-US')} bytes → ${r.target}${r.foldersCreated ? ` (${thousands(r.foldersCreated)} folders made)` : ''}${r.verified ? '; every file listed by the server with its size' : ''}`);
    return 0;
  },
};
