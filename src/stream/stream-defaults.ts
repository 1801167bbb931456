/**
 * The stream verbs' defaults (publish, stream), apart from the modules that use them (the NATS
 * client, the scorer, the source windows): `stream --help` prints them without loading those.
 */

/** the NATS server when neither --nats nor NETSENTINEL_NATS_URL names one */
export const DEFAULT_NATS = 'nats://127.0.0.1:4222';
/** the JetStream stream flows are published to and read from */
export const DEFAULT_STREAM = 'NETSENTINEL';
/** default of maxFindingKeys: a finding key is ~40 bytes, so a few MB at most */
export const DEFAULT_MAX_FINDING_KEYS = 100_000;
/** a source's window of flow time in a worker, and the most sources it keeps windows for */
export const DEFAULT_SOURCE_WINDOW_SECONDS = 300;
export const DEFAULT_MAX_SOURCES = 200_000;
