/**
 * Floods of connections: beyond server.limits.maxConnections open sockets, a new connection is
 * answered at once with 429 and Retry-After and closed, instead of queueing (which would starve
 * the clients already served) or being dropped without a word. Node's own headersTimeout and
 * requestTimeout (set in app.ts) close slow clients that dribble headers or bodies with 408.
 */
import type { Server, Socket } from 'node:net';

export function guardConnections(server: Server, max: number, onRefused: () => void): { readonly open: () => number } {
  let open = 0;
  const body = JSON.stringify({ error: `too many connections (limit ${max}); retry shortly`, statusCode: 429 });
  const refusal =
    'HTTP/1.1 429 Too Many Requests\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
  // prepended so it runs before the HTTP server starts parsing this socket
  server.prependListener('connection', (socket: Socket) => {
    if (open >= max) {
      onRefused();
      socket.on('error', () => undefined);
      // the HTTP server still attaches its parser after us; the socket is gone once the refusal is out
      socket.end(refusal, () => socket.destroy());
      return;
    }
    open++;
    socket.once('close', () => open--);
  });
  return { open: () => open };
}
