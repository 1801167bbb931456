/**
 * The connection to NATS JetStream both stream verbs share: connecting with a one-line error when
 * the server does not answer, and the stream that holds a deployment's subjects
 * (`<prefix>.flows.<partition>`; `<prefix>.alerts`, `<prefix>.findings` in `<NAME>_RESULTS`), created when absent.
 * The JetStream client is the official one (@nats-io/jetstream); only the naming is ours.
 */
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { UserError } from '../util/errors.js';

export { DEFAULT_STREAM } from './stream-defaults.js';

export interface Bus {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly url: string;
  close(): Promise<void>;
}

/** The subject prefix of a stream: its name in lower case unless given. */
export function subjectPrefix(stream: string, prefix?: string): string {
  const p = prefix ?? stream.toLowerCase();
  if (!/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(p)) throw new UserError(`subject prefix "${p}" must be dot-separated words of letters, digits, _ or -`);
  return p;
}

export async function openBus(url: string, verb: string, connectTimeoutMs = 3000): Promise<Bus> {
  let nc: NatsConnection;
  try {
    // noAsyncTraces: otherwise every request (each JetStream publish: one per flow message, one per
    // result) captures two stack traces up front (a RequestError and a TimeoutError) in case it
    // fails; errors keep their messages (all the verbs ever say of them, shortReason), only the
    // caller's frames are missing from their stacks
    nc = await connect({ servers: url, timeout: connectTimeoutMs, name: `netsentinel-${verb}`, maxReconnectAttempts: -1, reconnectTimeWait: 500, noAsyncTraces: true });
  } catch (e) {
    throw new UserError(`${verb}: cannot reach NATS at ${url} (${shortReason(e)}); is nats-server running with JetStream (-js)?`);
  }
  let jsm: JetStreamManager;
  try {
    jsm = await jetstreamManager(nc, { timeout: 5000 });
  } catch (e) {
    await nc.close().catch(() => undefined);
    throw new UserError(`${verb}: NATS at ${url} answers but JetStream is not enabled (${shortReason(e)}); start nats-server with -js`);
  }
  return { nc, js: jetstream(nc), jsm, url, close: () => nc.drain().catch(() => nc.close()) };
}

/** The stream holding the workers' results (alerts, findings), apart from the flows. */
export function resultsStream(stream: string): string {
  return `${stream}_RESULTS`;
}

/**
 * The flow stream (`<prefix>.flows.*`) and, beside it, the results stream (`<prefix>.alerts`,
 * `<prefix>.findings`), created when absent. Apart so that stream sequences of the flow stream
 * count flow messages only (the worker's rebuild window is measured in them) and so each can
 * have its own retention.
 */
export async function ensureStream(bus: Bus, stream: string, prefix: string): Promise<{ created: boolean }> {
  const flows = await ensureOne(bus, stream, [`${prefix}.flows.*`]);
  await ensureOne(bus, resultsStream(stream), [`${prefix}.alerts`, `${prefix}.findings`]);
  return { created: flows };
}

async function ensureOne(bus: Bus, stream: string, subjects: string[]): Promise<boolean> {
  try {
    const info = await bus.jsm.streams.info(stream);
    const have = info.config.subjects ?? [];
    const missing = subjects.filter((s) => !have.includes(s));
    if (missing.length) await bus.jsm.streams.update(stream, { ...info.config, subjects: [...have, ...missing] });
    return false;
  } catch (e) {
    if (!/stream not found/i.test(String((e as Error).message))) throw new UserError(`cannot use JetStream stream ${stream}: ${shortReason(e)}`);
  }
  try {
    await bus.jsm.streams.add({ name: stream, subjects });
  } catch (e) {
    throw new UserError(`cannot create JetStream stream ${stream} for ${subjects.join(', ')}: ${shortReason(e)}`);
  }
  return true;
}

export function shortReason(e: unknown): string {
  const err = e as { code?: string; message?: string };
  return String(err?.message ?? err?.code ?? e).split('\n')[0];
}
