/**
 * Retrying one step of the worker (a store commit, a publish to JetStream) through an outage of
 * PostgreSQL or NATS: the step is repeated with a growing pause (0.25 s doubling to 5 s) until it
 * succeeds or the worker is told to stop. The message in hand is not acknowledged meanwhile, so
 * nothing is lost; the steps are idempotent by key, so nothing is doubled when one half-succeeded.
 *
 * One line on stderr when an outage starts and one when it ends (never one per attempt): an
 * operator sees "the store is unreachable" and "the store is back after 10.2 s", not a flood.
 * An error the caller names as lasting (`lasting`: a wrong password, a missing permission) is
 * thrown at once: no outage ends it.
 */
import { UserError } from '../util/errors.js';
import { shortReason } from './nats-bus.js';

export interface OutageWatch {
  /** called on every failed attempt (metrics count them) */
  readonly onFailure?: (what: string, e: unknown) => void;
  readonly note: (line: string) => void;
  /** give up waiting (drain): the last error is thrown */
  readonly signal: AbortSignal;
  /** the error to end with instead of retrying, for an error waiting cannot heal (lasting-store-errors.ts) */
  readonly lasting?: (e: unknown) => Error | undefined;
}

/** a step still failing when the worker drains: said on one line; the message in hand is redelivered later */
export class StopRetrying extends UserError {}

export async function retryThroughOutage<T>(what: string, step: () => Promise<T>, w: OutageWatch): Promise<T> {
  let pause = 250;
  let since = 0;
  for (;;) {
    try {
      const r = await step();
      if (since) w.note(`${what} works again after ${((Date.now() - since) / 1000).toFixed(1)} s; resuming`);
      return r;
    } catch (e) {
      const lasting = w.lasting?.(e);
      if (lasting) throw lasting;
      w.onFailure?.(what, e);
      if (!since) {
        since = Date.now();
        w.note(`${what} failed (${shortReason(e)}); retrying until it works (the message in hand stays unacknowledged)`);
      }
      if (w.signal.aborted) throw new StopRetrying(`stream: ${what} still failing when asked to stop: ${shortReason(e)}`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, pause);
        function done(): void {
          clearTimeout(t);
          w.signal.removeEventListener('abort', done);
          resolve();
        }
        w.signal.addEventListener('abort', done, { once: true });
      });
      pause = Math.min(pause * 2, 5000);
    }
  }
}
