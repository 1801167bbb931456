/**
 * `netsentinel config show`: the effective settings of a run (flags, environment, .env, config
 * file, defaults merged by src/config/settings.ts), secrets masked, each with where it came from,
 * so "why is it using that key/URL/threshold?" has one answer.
 */
import type { Command } from '../command.js';
import { SETTINGS_OPTIONS, SETTINGS_PRECEDENCE, settingsFromArgs, shownValue } from '../../config/settings.js';
import { loadAnalysisConfig } from '../../config/analysis-config.js';
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
    // rules.* keys the file gives are listed once, in the rules block, with every other rule setting
    const shown = entries.filter((e) => !e.key.startsWith('rules.')).map((e) => {
      const v = shownValue(e);
      return { key: e.key, value: typeof v === 'string' ? v : JSON.stringify(v), from: e.source === 'default' ? 'default' : `${e.source}: ${e.origin}` };
    });
    const ruleRows = rules.map((r) => ({ key: r.key, value: JSON.stringify(r.value), from: r.given ? `file: ${settings.configFile}` : 'default' }));
    const row = columns([...shown, ...ruleRows]);
    const lines: string[] = [];
    lines.push(`config file: ${settings.configFile ?? '(none)'}   .env: ${settings.envFile ?? '(none)'}`);
    lines.push('');
    for (const r of shown) lines.push(row(r));
    lines.push('');
    lines.push(`rules (the config file's rules: section over the defaults; 'netsentinel config --help' says what each does)`);
    for (const r of ruleRows) lines.push(row(r));
    out(lines.join('\n'));
    return 0;
  },
};

/** Values longer than this do not widen the value column (a long list would push every source far right). */
const MAX_VALUE_COLUMN = 48;

/**
 * One line per setting in three columns: the key column as wide as the longest key, the value
 * column as wide as the longest value of at most MAX_VALUE_COLUMN characters (a longer one only
 * moves its own line's source), two spaces between.
 */
function columns(rows: readonly { key: string; value: string; from: string }[]): (r: { key: string; value: string; from: string }) => string {
  const keyWidth = Math.max(0, ...rows.map((r) => r.key.length)) + 2;
  const valueWidth = Math.max(0, ...rows.map((r) => r.value.length).filter((n) => n <= MAX_VALUE_COLUMN)) + 2;
  return (r) => `${r.key.padEnd(keyWidth)}${`${r.value}  `.padEnd(valueWidth)}${r.from}`;
}
