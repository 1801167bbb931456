/**
 * Slow bodies on the small routes. Node's requestTimeout is one number for the whole server, and
 * a batch upload may rightly take minutes (server.limits.batchTimeoutMs), while a /classify body
 * of a few hundred bytes that has not arrived after server.limits.requestTimeoutMs is a client
 * holding a connection open. So: Node's timer is set to the batch limit, and this hook gives every
 * other request with a body its own timer, answering 408 and closing the connection.
 */
import type { FastifyInstance } from 'fastify';

export function installBodyTimeout(app: FastifyInstance, ms: number, longRoutes: ReadonlySet<string>): void {
  const body = JSON.stringify({ error: `request body not received within ${ms} ms`, statusCode: 408 });
  const answer = `HTTP/1.1 408 Request Timeout\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  app.addHook('onRequest', async (req) => {
    const raw = req.raw;
    if (raw.complete || longRoutes.has(req.routeOptions.url ?? '') || req.method === 'GET' || req.method === 'HEAD') return;
    const timer = setTimeout(() => {
      if (raw.complete || raw.socket.destroyed) return;
      raw.socket.end(answer, () => raw.socket.destroy());
    }, ms);
    timer.unref();
    raw.once('end', () => clearTimeout(timer));
    raw.once('close', () => clearTimeout(timer));
  });
}
