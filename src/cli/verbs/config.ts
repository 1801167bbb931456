/**
 * `netsentinel config show`: the effective settings of a run (flags, environment, .env, config
 * file, defaults merged by src/config/settings.ts), secrets masked, each with where it came from,
 * so "why is it using that key/URL/threshold?" has one answer.
 */
import type { Command } from '../command.js';
import { SETTINGS_OPTIONS, SETTINGS_PRECEDENCE, settingsFromArgs, shownValue, type SettingValue } from '../../config/settings.js';
import { ANALYSIS_PARAMETERS, analysisSettings, describeAnalysisParameters, loadAnalysisConfig } from '../../config/analysis-config.js';
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

The analysis settings (thresholds, weights, alerts, store) come from the config file, over the
defaults; a run's flags override them, and NETSENTINEL_STORE the store (from the environment, else
the .env file). \`config show\` lists each as a run will use it. What each does, its default and its flag:

${describeAnalysisParameters()}

The rules' settings come from the config file's rules: section alone (YAML: rules: { beaconing:
{ connections: 12 } }); \`config show\` lists each as a run will use it. What each does, and its
default:

${describeRuleParameters()}`,
    options: [...SETTINGS_OPTIONS],
    examples: ['netsentinel config show', 'netsentinel config show --config deploy.yaml --env-file secrets.env --json | jq .settings'],
  },
  async run({ args, out, json, progress }) {
    const sub = args.positionals[0];
    if (sub !== 'show') throw new UserError(`config: unknown action "${sub}"; the action is: show`);
    const settings = settingsFromArgs(args.values);
    // the analysis sections are validated by their own loader, so a bad threshold is reported here too
    const analysis = await loadAnalysisConfig(settings.configFile);
    const analysisRows = analysisSettings(analysis, settings.files);
    const rules = ruleSettings(analysis.rules);
    const ruleSource = (r: { given: boolean }) => (r.given ? 'file' : 'default');
    // and the other sections by their readers, so a bad value is said here, not first in a later run
    intelConfigFrom(settings);
    loadRespondSettings({ configFile: args.values.config as string | undefined, envFile: args.values.envFile as string | undefined });
    // the analysis and rules keys are listed once, each in its own block, as a run reads them (the
    // generic loader would show any NETSENTINEL_THRESHOLDS_… variable, which no run reads)
    const analysisKeys = new Set(ANALYSIS_PARAMETERS.map((p) => p.key));
    const ownBlock = (key: string) => key.startsWith('rules.') || key.startsWith('weights.') || analysisKeys.has(key);
    const all = settings.entries();
    for (const e of all) if (ownBlock(e.key) && (e.source === 'environment' || e.source === '.env') && !(e.key === 'store' && (e.origin === 'NETSENTINEL_STORE' || e.origin.endsWith('(NETSENTINEL_STORE)')))) progress.note(`config: ${e.source === '.env' ? e.origin : e.origin + ' (environment)'} is not read by a run; set ${e.key} in the config file${flagsOf(e.key)}`);
    const entries = all.filter((e) => !ownBlock(e.key));
    // a store URL may hold a password: masked as the settings' values are
    const masked = (key: string, value: unknown) => shownValue({ key, value, source: 'file', origin: '', secret: false } satisfies SettingValue);
    if (json) {
      out(
        JSON.stringify(
          {
            configFile: settings.configFile ?? null,
            envFile: settings.envFile ?? null,
            precedence: ['flag', 'environment', '.env', 'file', 'default'],
            settings: entries.map((e) => ({ key: e.key, value: shownValue(e), source: e.source, origin: e.origin, secret: e.secret, env: envNameOf(e.key) })),
            // thresholds, weights, alerts and store: the config file over the defaults (NETSENTINEL_STORE, environment or .env, over both); a run's flags over all
            analysis: analysisRows.map((a) => ({ key: a.key, value: masked(a.key, a.value), default: a.default, source: a.source, origin: a.origin, env: a.env, flags: a.flags, description: a.description })),
            // the config file's rules: section over the defaults (no flag or variable sets these)
            rules: rules.map((r) => ({ key: r.key, value: r.value, default: r.default, source: ruleSource(r), origin: r.given ? settings.configFile : null, description: r.description })),
          },
          null,
          2,
        ),
      );
      return 0;
    }
    const shown = entries.map((e) => {
      const v = shownValue(e);
      return { key: e.key, value: typeof v === 'string' ? v : JSON.stringify(v), from: e.source === 'default' ? 'default' : `${e.source}: ${e.origin}` };
    });
    const analysisShown = analysisRows.map((a) => {
      const v = masked(a.key, a.value);
      return { key: a.key, value: typeof v === 'string' ? v : JSON.stringify(v), from: a.source === 'default' ? 'default' : `${a.source}: ${a.origin}` };
    });
    const ruleRows = rules.map((r) => ({ key: r.key, value: JSON.stringify(r.value), from: r.given ? `file: ${settings.configFile}` : 'default' }));
    const row = columns([...shown, ...analysisShown, ...ruleRows]);
    const lines: string[] = [];
    lines.push(`config file: ${settings.configFile ?? '(none)'}   .env: ${settings.envFile ?? '(none)'}`);
    lines.push('');
    for (const r of shown) lines.push(row(r));
    lines.push('');
    lines.push(`analysis (the config file over the defaults, NETSENTINEL_STORE over both; a run's flags, such as --flow-threshold, over all; 'netsentinel config --help' says which)`);
    for (const r of analysisShown) lines.push(row(r));
    lines.push('');
    lines.push(`rules (the config file's rules: section over the defaults; 'netsentinel config --help' says what each does)`);
    for (const r of ruleRows) lines.push(row(r));
    out(lines.join('\n'));
    return 0;
  },
};

/** "; or --flow-threshold (analyze, capture, stream)" for a key a run's flag overrides. */
function flagsOf(key: string): string {
  const flags = ANALYSIS_PARAMETERS.find((p) => p.key === key)?.flags;
  return flags ? ` or give ${flags}` : '';
}

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
