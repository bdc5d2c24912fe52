import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DEADLINE_HEADER,
  Phase,
  PhaseCallBody,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyCall,
} from '@app/protocol';

/** One phase call the stub received (with a valid signature). */
export interface StubCall {
  action: string;
  phase: Phase;
  transactionId: string;
  branchId: string;
  payload: Record<string, unknown>;
  deadline: string | undefined;
}

/** How the stub answers a call: a status and body, or no answer at all. */
export type StubAnswer = { status: number; body?: unknown } | 'hang';

/** Decides the answer to a call; may wait to widen race windows. */
export type Behaviour = (call: StubCall) => StubAnswer | Promise<StubAnswer>;

/** A problem body as a real participant sends it. */
export function problemAnswer(status: number, code: string, detail: string): StubAnswer {
  return { status, body: { type: 'about:blank', title: 'Refused', status, code, detail } };
}

/**
 * A controllable participant on 127.0.0.1: verifies every call's signature
 * (401 otherwise), answers as its behaviour says, and keeps a minimal
 * barrier so tests can see holds left behind: a cancel before the try
 * refuses the later try, confirm and cancel act only on a held try.
 */
export class StubParticipant {
  readonly calls: StubCall[] = [];
  readonly holds = new Map<string, 'held' | 'confirmed' | 'cancelled'>();
  badSignatures = 0;
  behaviour: Behaviour = () => ({ status: 200 });
  private readonly cancelledFirst = new Set<string>();
  private server: Server | undefined;
  private readonly hanging = new Set<ServerResponse>();

  constructor(
    private readonly secret: string,
    private readonly prefix = '',
  ) {}

  /** Starts listening; returns the base URL to register. */
  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      void this.handle(request, response);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${port}${this.prefix}`;
  }

  async stop(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }

  /** Calls of one phase, optionally for one branch. */
  callsOf(phase: Phase, branchId?: string): StubCall[] {
    return this.calls.filter(
      (call) => call.phase === phase && (branchId === undefined || call.branchId === branchId),
    );
  }

  /** Branches whose try left a hold that was neither confirmed nor cancelled. */
  openHolds(): string[] {
    return [...this.holds].filter(([, state]) => state === 'held').map(([id]) => id);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const path = (request.url ?? '').slice(this.prefix.length);
    const match = /^\/tcc\/([a-z0-9-]+)\/(try|confirm|cancel)$/.exec(path);
    const header = (name: string) => request.headers[name] as string | undefined;
    const problem = verifyCall(
      [this.secret],
      {
        timestamp: header(TIMESTAMP_HEADER) ?? '',
        method: request.method ?? '',
        path,
        deadline: header(DEADLINE_HEADER) ?? '',
        body: raw,
      },
      header(SIGNATURE_HEADER),
      Date.now(),
    );
    if (!match || problem) {
      this.badSignatures++;
      response.writeHead(401).end();
      return;
    }
    const body = JSON.parse(raw.toString('utf8')) as PhaseCallBody;
    const call: StubCall = {
      action: match[1],
      phase: match[2] as Phase,
      transactionId: body.transactionId,
      branchId: body.branchId,
      payload: body.payload,
      deadline: header(DEADLINE_HEADER),
    };
    this.calls.push(call);
    const answer = this.barrier(call, await this.behaviour(call));
    if (answer === 'hang') {
      this.hanging.add(response);
      return;
    }
    response.writeHead(answer.status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(answer.body ?? {}));
  }

  private barrier(call: StubCall, answer: StubAnswer): StubAnswer {
    const state = this.holds.get(call.branchId);
    switch (call.phase) {
      case 'try':
        if (this.cancelledFirst.has(call.branchId)) {
          return problemAnswer(409, 'TRY_CANCELLED', 'cancelled before the try');
        }
        if (answer !== 'hang' && answer.status === 200 && !state) {
          this.holds.set(call.branchId, 'held');
        }
        return answer;
      case 'confirm':
        if (answer === 'hang' || answer.status !== 200) return answer;
        if (state === 'held') this.holds.set(call.branchId, 'confirmed');
        else if (state !== 'confirmed') return problemAnswer(409, 'NO_SUCCESSFUL_TRY', 'no try');
        return answer;
      case 'cancel':
        if (answer === 'hang' || answer.status !== 200) return answer;
        if (state === 'held') this.holds.set(call.branchId, 'cancelled');
        else if (!state) this.cancelledFirst.add(call.branchId);
        return answer;
    }
  }
}

/** A small HTTP sink for the alert webhook. */
export class WebhookSink {
  readonly received: unknown[] = [];
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        response.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/alerts`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()));
  }
}
