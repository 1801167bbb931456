/** The verbs, in the order `netsentinel --help` lists them. */
import type { Command } from './command.js';
import { analyze } from './verbs/analyze.js';
import { baseline } from './verbs/baseline.js';
import { train } from './verbs/train.js';
import { evaluate } from './verbs/evaluate.js';
import { predict } from './verbs/predict.js';
import { inspect } from './verbs/inspect.js';
import { cluster } from './verbs/cluster.js';
import { profile } from './verbs/profile.js';
import { compare } from './verbs/compare.js';
import { search } from './verbs/search.js';
import { config } from './verbs/config.js';
import { respond, decisions, block, notify } from './verbs/respond-verbs.js';
import { publish } from './verbs/publish.js';
import { stream } from './verbs/stream.js';

export const commands: readonly Command[] = [analyze, baseline, train, evaluate, predict, inspect, compare, search, cluster, profile, config, respond, decisions, block, notify, publish, stream];
