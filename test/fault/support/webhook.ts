import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A stand-in for an alerting system: records every JSON body POSTed to it. */
export interface WebhookReceiver {
  url: string;
  /** Bodies received so far, in order. */
  received: unknown[];
  close(): Promise<void>;
}

/** Listens on 127.0.0.1 on a free port and answers every POST with 204. */
export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const received: unknown[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      try {
        received.push(JSON.parse(text));
      } catch {
        received.push(text);
      }
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
