/**
 * CORS, off unless server.cors.origins lists origins: then a request from a listed origin gets
 * Access-Control-Allow-Origin (and preflights an answer); any other origin gets no CORS header, so
 * browsers keep their same-origin rule. Twenty lines of our own rather than @fastify/cors, which
 * is not among the installed packages.
 */
import type { FastifyInstance } from 'fastify';

export function installCors(app: FastifyInstance, origins: readonly string[]): void {
  if (origins.length === 0) return;
  const any = origins.includes('*');
  const allowed = new Set(origins);
  app.addHook('onRequest', async (req, reply) => {
    const origin = req.headers.origin;
    if (typeof origin !== 'string' || !(any || allowed.has(origin))) return;
    reply.header('Access-Control-Allow-Origin', any ? '*' : origin);
    reply.header('Vary', 'Origin');
    if (req.method === 'OPTIONS' && req.headers['access-control-request-method']) {
      reply.header('Access-Control-Allow-Methods', 'GET, POST, DELETE');
      reply.header('Access-Control-Allow-Headers', 'Authorization, Content-Type, X-API-Key');
      reply.header('Access-Control-Max-Age', '600');
      return reply.code(204).send();
    }
  });
}
