/**
 * Slow bodies on the small routes. Node's requestTimeout is one number for the whole server, and
 * a batch upload may rightly take minutes (server.limits.batchTimeoutMs), while a /classify body
 * of a few hundred bytes that has not arrived after server.limits.requestTimeoutMs is a client
 * holding a connection open. So: Node's timer is set to the batch limit, and this hook holds every
 * other request with a body to its own limit, answering 408 and closing the connection.
 *
 * One sweep every quarter of the limit (at most 250 ms) looks at the requests still receiving,
 * rather than a timer and two listeners per request: at 10,000 requests/s those were a few percent
 * of /classify's time, and a request whose body is complete is simply dropped from the set.
 */
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance } from 'fastify';

/**
 * For requests Fastify does not see (the /classify fast path): hold one to the limit, and let it go
 * as soon as its body is in (so the set never keeps a finished request alive until the next sweep).
 */
export interface BodyTimer {
  track(raw: IncomingMessage): void;
  received(raw: IncomingMessage): void;
}

export function installBodyTimeout(app: FastifyInstance, ms: number, longRoutes: ReadonlySet<string>): BodyTimer {
  const body = JSON.stringify({ error: `request body not received within ${ms} ms`, statusCode: 408 });
  const answer = `HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  /** requests still receiving their body, with when they started */
  const receiving = new Map<IncomingMessage, number>();
  let sweeper: NodeJS.Timeout | undefined;
  const sweep = (): void => {
    const now = Date.now();
    for (const [raw, started] of receiving) {
      if (raw.complete || raw.socket.destroyed) receiving.delete(raw);
      else if (now - started >= ms) {
        receiving.delete(raw);
        raw.socket.end(answer, () => raw.socket.destroy());
      }
    }
    if (receiving.size === 0 && sweeper) {
      clearInterval(sweeper);
      sweeper = undefined;
    }
  };
  const track = (raw: IncomingMessage): void => {
    receiving.set(raw, Date.now());
    sweeper ??= setInterval(sweep, Math.max(10, Math.min(250, ms / 4))).unref();
  };
  app.addHook('onRequest', (req, _reply, done) => {
    const raw = req.raw;
    if (!raw.complete && req.method !== 'GET' && req.method !== 'HEAD' && !longRoutes.has(req.routeOptions.url ?? '')) track(raw);
    done();
  });
  app.addHook('onClose', (_app, done) => {
    if (sweeper) clearInterval(sweeper);
    receiving.clear();
    done();
  });
  return { track, received: (raw) => void receiving.delete(raw) };
}
