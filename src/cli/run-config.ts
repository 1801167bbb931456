/**
 * The configuration and store of a run (analyze, capture, stream, score; and models, which reads
 * what stream workers store), found as `config show` finds them: the files located by
 * src/config/settings.ts locateSettings (--config, else NETSENTINEL_CONFIG from the environment,
 * else from the .env file of --env-file / NETSENTINEL_ENV_FILE / ./.env), the analysis sections
 * read by loadAnalysisConfig, the store by chosenStore. Before, the runs read NETSENTINEL_CONFIG
 * and NETSENTINEL_STORE from the environment alone, so `config show` could describe a config file
 * a run did not load.
 *
 * Cheap on analyze's path: settings.ts reads the .env file and names the config file (it parses
 * nothing else); loadAnalysisConfig loads yaml only for a YAML file.
 */
import { loadAnalysisConfig, type AnalysisConfig } from '../config/analysis-config.js';
import { settingsFilesFromArgs, type SettingsFiles } from '../config/settings.js';
import { chosenStore } from './store-choice.js';

export interface RunConfig {
  readonly files: SettingsFiles;
  readonly config: AnalysisConfig;
  /** --store when given, else NETSENTINEL_STORE (environment, then .env), else the file's store:, else the default */
  readonly store: string;
}

export async function runConfig(values: Record<string, unknown>): Promise<RunConfig> {
  const files = settingsFilesFromArgs(values);
  const config = await loadAnalysisConfig(files.configFile);
  return { files, config, store: chosenStore(values, config.store, files) };
}
