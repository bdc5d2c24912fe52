import { Agent, IncomingHttpHeaders, request } from 'node:http';

/** A request exactly as it goes on the wire: the path is not normalised, the body is sent as given. */
export interface RawRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** An answer: status, headers and the body as text, plus the parsed JSON when it is JSON. */
export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: unknown;
}

const agent = new Agent({ keepAlive: true, maxSockets: 4 });
const TIMEOUT_MS = 60_000;

/**
 * Sends a request with node:http rather than fetch, which would resolve
 * `..` segments, refuse odd methods and add headers of its own.
 */
export function sendRaw(baseUrl: string, raw: RawRequest): Promise<RawResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        method: raw.method,
        path: raw.path,
        headers: {
          ...raw.headers,
          ...(raw.body === undefined ? {} : { 'content-length': Buffer.byteLength(raw.body) }),
        },
        agent,
        timeout: TIMEOUT_MS,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown = undefined;
          if (/json/.test(res.headers['content-type'] ?? '') && text !== '') {
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(raw.body);
  });
}

/** Closes the pooled connections, so the test process can end. */
export function closeRawConnections(): void {
  agent.destroy();
}
