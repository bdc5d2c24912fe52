import { createServer, request, Server } from 'node:http';
import { freePort } from '@app/database';

/** A request whose backend is down is tried again this often, up to ten seconds. */
const RETRY_MS = 50;
const ATTEMPTS = 200;

/** An HTTP front that spreads requests over several processes of one app, like a load balancer. */
export interface RoundRobin {
  url: string;
  /** The processes it sends to; change it at any time. */
  backends: string[];
  close(): Promise<void>;
}

/**
 * Starts a round-robin HTTP proxy on 127.0.0.1. A request whose backend
 * refuses or drops the connection goes to the next one, as a load balancer's
 * health check would make it (phase calls are idempotent, so a repeat is safe).
 */
export async function startRoundRobin(backends: string[]): Promise<RoundRobin> {
  const port = await freePort();
  let next = 0;
  const front: RoundRobin = { url: `http://127.0.0.1:${port}`, backends, close };
  const server: Server = createServer((incoming, outgoing) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      const body = Buffer.concat(chunks);
      const attempt = (left: number): void => {
        if (front.backends.length === 0) {
          outgoing.writeHead(503).end();
          return;
        }
        const target = new URL(incoming.url ?? '/', front.backends[next++ % front.backends.length]);
        const forwarded = request(
          target,
          { method: incoming.method, headers: incoming.headers },
          (answer) => {
            outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(outgoing);
          },
        );
        forwarded.on('error', () => {
          if (left > 0 && !outgoing.headersSent) setTimeout(() => attempt(left - 1), RETRY_MS);
          else if (!outgoing.headersSent) outgoing.writeHead(502).end();
          else outgoing.destroy();
        });
        forwarded.end(body);
      };
      attempt(ATTEMPTS);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));

  function close(): Promise<void> {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(() => resolve()));
  }
  return front;
}
