import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  DEADLINE_HEADER,
  PhaseCallBody,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyCall,
} from '@app/protocol';

/** The most a try of the forgetful participant grants; more is refused. */
export const FORGETFUL_LIMIT = 100;

interface BranchState {
  tried: 'ok' | 'refused';
  confirmed: boolean;
  cancelled: boolean;
}

/** A running forgetful participant: its URL and how to stop it. */
export interface ForgetfulParticipant {
  url: string;
  close(): Promise<void>;
}

/**
 * A participant that keeps every barrier rule but one, for proving that the
 * conformance check notices: a cancel that arrives before its try leaves no
 * trace, so the late try is granted and its hold is never released. It
 * serves one action, `grant`, with payloads `{ amount }`.
 */
export async function startForgetfulParticipant(secret: string): Promise<ForgetfulParticipant> {
  const branches = new Map<string, BranchState>();

  const answer = (res: ServerResponse, status: number, code?: string): void => {
    const type = status === 200 ? 'application/json' : 'application/problem+json';
    res.writeHead(status, { 'content-type': type });
    res.end(JSON.stringify(code ? { status, code, detail: code } : { outcome: 'ok' }));
  };

  const phase = (req: IncomingMessage, raw: Buffer, res: ServerResponse): void => {
    const match = /^\/tcc\/grant\/(try|confirm|cancel)$/.exec(req.url ?? '');
    if (!match) return answer(res, 422, 'UNKNOWN_ACTION');
    const header = (name: string) => String(req.headers[name] ?? '');
    const problem = verifyCall(
      [secret],
      {
        timestamp: header(TIMESTAMP_HEADER),
        method: 'POST',
        path: req.url ?? '',
        deadline: header(DEADLINE_HEADER),
        body: raw,
      },
      header(SIGNATURE_HEADER) || undefined,
      Date.now(),
    );
    if (problem) return answer(res, 401, 'BAD_SIGNATURE');
    const call = JSON.parse(raw.toString()) as PhaseCallBody;
    const key = `${call.transactionId}/${call.branchId}`;
    const state = branches.get(key);
    switch (match[1]) {
      case 'try': {
        if (state)
          return state.tried === 'ok' && !state.cancelled
            ? answer(res, 200)
            : answer(res, 409, 'TRY_CANCELLED');
        if (Number(header(DEADLINE_HEADER)) < Date.now())
          return answer(res, 409, 'DEADLINE_PASSED');
        const granted = Number(call.payload.amount) <= FORGETFUL_LIMIT;
        branches.set(key, {
          tried: granted ? 'ok' : 'refused',
          confirmed: false,
          cancelled: false,
        });
        return granted ? answer(res, 200) : answer(res, 409, 'LIMIT_EXCEEDED');
      }
      case 'confirm':
        if (!state || state.tried !== 'ok' || state.cancelled)
          return answer(res, 409, 'NO_SUCCESSFUL_TRY');
        state.confirmed = true;
        return answer(res, 200);
      default:
        if (state?.confirmed) return answer(res, 409, 'ALREADY_CONFIRMED');
        // The flaw: a cancel without a try is answered but not remembered.
        if (state) state.cancelled = true;
        return answer(res, 200);
    }
  };

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => phase(req, Buffer.concat(chunks), res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
