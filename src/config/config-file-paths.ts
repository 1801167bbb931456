/**
 * Paths written in the config file are relative to the config file's folder (relative-paths.ts
 * says why): `store: data/alerts.db`, `intel.feeds`, `log.file`, `server.accessLog`, `smtp.ca`,
 * `rules.geoip.cityDatabase` / `asnDatabase` in /etc/ns/ns.yaml name files under /etc/ns,
 * whichever directory netsentinel runs in. Before, they were read from the current directory, so a
 * service started elsewhere wrote its alerts to another database and found no feeds.
 *
 * Done once, as the file is parsed by its one reader, settings.ts readConfigDocument (behind the
 * settings loader, the respond settings and loadAnalysisConfig's analysis sections), so every verb
 * that reads a config file (analyze, capture, stream, score, models, serve, respond, intel, config
 * show, ...) sees the same resolved paths. A value of the wrong type
 * is left as it is, for the section's reader to refuse with its own message.
 */
import { dirname, resolve } from 'node:path';
import { PATH_SETTINGS, pathRelativeTo } from './relative-paths.js';

/** `doc` (a parsed config file, changed in place and returned) with its relative paths resolved from `file`'s folder. */
export function configFilePathsFrom(doc: Record<string, unknown>, file: string): Record<string, unknown> {
  const abs = resolve(file);
  const dir = dirname(abs);
  for (const [key, kind] of Object.entries(PATH_SETTINGS)) {
    const parts = key.split('.');
    let section: unknown = doc;
    for (const part of parts.slice(0, -1)) section = section !== null && typeof section === 'object' && !Array.isArray(section) ? (section as Record<string, unknown>)[part] : undefined;
    if (section === null || typeof section !== 'object' || Array.isArray(section)) continue;
    const holder = section as Record<string, unknown>;
    const last = parts[parts.length - 1];
    const v = holder[last];
    const place = { name: key, file: abs };
    if (typeof v === 'string' && v !== '') holder[last] = pathRelativeTo(kind, v, dir, place);
    // a list of feed files
    else if (Array.isArray(v)) holder[last] = v.map((p) => (typeof p === 'string' && p !== '' ? pathRelativeTo(kind === 'paths' ? 'path' : kind, p, dir, place) : p));
  }
  return doc;
}
