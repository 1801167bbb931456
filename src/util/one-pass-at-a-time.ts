/**
 * A background job run one pass at a time: asking while a pass runs asks for one more pass after
 * it (however many times it is asked), never a second pass beside it. Used to deliver the outbox
 * after decisions are written (the service's announcer, `capture --respond`): a slow or hanging
 * server delays the deliveries, never the caller, and two flushes never race for the same rows.
 */
export interface OnePassAtATime {
  /** start a pass, or ask for one more after the running one; returns the running work */
  request(): Promise<void>;
  /** wait until no pass runs and none is asked for */
  idle(): Promise<void>;
}

/** `pass` must not throw (it reports its own failures). */
export function onePassAtATime(pass: () => Promise<void>): OnePassAtATime {
  let running: Promise<void> | undefined;
  let again = false;
  return {
    request() {
      if (running) {
        again = true;
        return running;
      }
      running = (async () => {
        do {
          again = false;
          await pass();
        } while (again);
        running = undefined;
      })();
      return running;
    },
    async idle() {
      while (running) await running;
    },
  };
}
