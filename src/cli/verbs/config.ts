/**
 * `netsentinel config show`: the effective settings of a run (flags, environment, .env, config
 * file, defaults merged by src/config/settings.ts), secrets masked, each with where it came from,
 * so "why is it using that key/URL/threshold?" has one answer.
 */
import type { Command } from '../command.js';
import { SETTINGS_OPTIONS, SETTINGS_PRECEDENCE, settingsFromArgs, shownValue } from '../../config/settings.js';
import { loadAnalysisConfig } from '../../config/analysis-config.js';
import { SETTING_KEYS } from '../../config/setting-keys.js';
import { envNameOf } from '../../config/setting-keys.js';
import { UserError } from '../../util/errors.js';
import { intelConfigFrom } from '../../intel/intel-config.js';
import { loadRespondSettings } from '../../respond/respond-settings.js';
import { describeRuleParameters, ruleSettings } from '../../detect/rules-config.js';

export const config: Command = {
  spec: {
    name: 'config',
    summary: 'show the effective settings (secrets masked) and where each came from',
    usage: 'show [options]',
    positionals: { min: 1, max: 1, name: 'what to do: show' },
    description: `${SETTINGS_PRECEDENCE}

The rules' settings come from the config file's rules: section alone (YAML: rules: { beaconing:
{ connections: 12 } }); \`config show\` lists each as a run will use it. What each does, and its
default:

${describeRuleParameters()}`,
    options: [...SETTINGS_OPTIONS],
    examples: ['netsentinel config show', 'netsentinel config show --config deploy.yaml --env-file secrets.env --json | jq .settings'],
  },
  async run({ args, out, json }) {
    const sub = args.positionals[0];
    if (sub !== 'show') throw new UserError(`config: unknown action "${sub}"; the action is: show`);
    const settings = settingsFromArgs(args.values);
    // the analysis sections are validated by their own loader, so a bad threshold is reported here too
    const analysis = await loadAnalysisConfig(settings.configFile);
    const rules = ruleSettings(analysis.rules);
    const ruleSource = (r: { given: boolean }) => (r.given ? 'file' : 'default');
    // and the other sections by their readers, so a bad value is said here, not first in a later run
    intelConfigFrom(settings);
    loadRespondSettings({ configFile: args.values.config as string | undefined, envFile: args.values.envFile as string | undefined });
    const entries = settings.entries();
    if (json) {
      out(
        JSON.stringify(
          {
            configFile: settings.configFile ?? null,
            envFile: settings.envFile ?? null,
            precedence: ['flag', 'environment', '.env', 'file', 'default'],
            settings: entries.map((e) => ({ key: e.key, value: shownValue(e), source: e.source, origin: e.origin, secret: e.secret, env: envNameOf(e.key) })),
            // the config file's rules: section over the defaults (no flag or variable sets these)
            rules: rules.map((r) => ({ key: r.key, value: r.value, default: r.default, source: ruleSource(r), origin: r.given ? settings.configFile : null, description: r.description })),
          },
          null,
          2,
        ),
      );
      return 0;
    }
    const lines: string[] = [];
    lines.push(`config file: ${settings.configFile ?? '(none)'}   .env: ${settings.envFile ?? '(none)'}`);
    lines.push('');
    const w = Math.min(40, Math.max(...entries.map((e) => e.key.length), ...rules.map((r) => r.key.length)) + 2);
    for (const e of entries) {
      const v = shownValue(e);
      const text = typeof v === 'string' ? v : JSON.stringify(v);
      const desc = SETTING_KEYS.find((k) => k.key === e.key);
      lines.push(`${e.key.padEnd(w)}${text.padEnd(28)}  ${e.source === 'default' ? 'default' : `${e.source}: ${e.origin}`}${desc && e.source === 'default' ? '' : ''}`);
    }
    lines.push('');
    lines.push(`rules (the config file's rules: section over the defaults; 'netsentinel config --help' says what each does)`);
    for (const r of rules) lines.push(`${r.key.padEnd(w)}${JSON.stringify(r.value).padEnd(28)}  ${r.given ? `file: ${settings.configFile}` : 'default'}`);
    out(lines.join('\n'));
    return 0;
  },
};
