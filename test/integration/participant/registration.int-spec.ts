import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createHttpApp } from '@app/http';
import { ParticipantRegistrar } from '@app/participant';
import { verifyCall } from '@app/protocol';
import { TestDatabase, createTestDatabase } from '../../support/db';
import { CounterAppModule } from './counter';
import { SECRETS, TOKENS } from './support';

interface Registration {
  authorization: string | undefined;
  signatureProblem: string | null;
  body: unknown;
}

/** A stand-in coordinator that records registrations and answers with `answer(attempt)`. */
async function fakeCoordinator(
  answer: (attempt: number) => number,
): Promise<{ url: string; seen: Registration[]; close(): Promise<void> }> {
  const seen: Registration[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      seen.push({
        authorization: req.headers.authorization,
        signatureProblem: verifyCall(
          [SECRETS.current],
          {
            timestamp: String(req.headers['x-tcc-timestamp'] ?? ''),
            method: req.method ?? '',
            path: req.url ?? '',
            deadline: '',
            body: raw,
          },
          req.headers['x-tcc-signature'] as string | undefined,
          Date.now(),
        ),
        body: JSON.parse(raw.toString()),
      });
      const status = answer(seen.length);
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await sleep(50);
  if (!condition()) throw new Error(`gave up waiting for ${what}`);
}

describe('participant registration', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('participant_registration');
  });
  afterAll(() => db?.drop());

  it('registers at bootstrap with the API key and a signature, retrying until the coordinator accepts', async () => {
    const coordinator = await fakeCoordinator((attempt) => (attempt < 3 ? 503 : 201));
    const app: NestExpressApplication = await createHttpApp(
      CounterAppModule.forRoot({
        url: db.url,
        coordinatorUrl: coordinator.url,
        publicUrl: 'http://127.0.0.1:4100',
        register: true,
      }),
      { logger: false },
    );
    try {
      await app.init();
      const registrar = app.get(ParticipantRegistrar);
      await until(() => registrar.isRegistered, 'the registration');
      expect(coordinator.seen).toHaveLength(3);
      for (const registration of coordinator.seen) {
        expect(registration).toEqual({
          authorization: `Bearer ${TOKENS.apiKey}`,
          signatureProblem: null,
          body: {
            name: 'counter',
            baseUrl: 'http://127.0.0.1:4100',
            actions: ['counter'],
            batch: true,
          },
        });
      }
    } finally {
      await app.close();
      await coordinator.close();
    }
  });

  it('stops retrying when the app shuts down', async () => {
    const coordinator = await fakeCoordinator(() => 500);
    const app = await createHttpApp(
      CounterAppModule.forRoot({ url: db.url, coordinatorUrl: coordinator.url, register: true }),
      { logger: false },
    );
    try {
      await app.init();
      await until(() => coordinator.seen.length >= 2, 'two attempts');
      await app.close();
      const attempts = coordinator.seen.length;
      // Longer than the next backoff step: a live loop would have tried again by now.
      await sleep(1000);
      expect(coordinator.seen.length).toBe(attempts);
      expect(app.get(ParticipantRegistrar).isRegistered).toBe(false);
    } finally {
      await coordinator.close();
    }
  });
});
