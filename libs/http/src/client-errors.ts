import type { Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ErrorCode, ProblemDetails } from '@app/protocol';
import { problem } from './problem.filter';

function answerFor(code: string | undefined): ProblemDetails {
  if (code === 'HPE_HEADER_OVERFLOW') {
    return problem(ErrorCode.HeadersTooLarge, 'The request headers exceed 16 KiB.');
  }
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') {
    return problem(ErrorCode.RequestTimeout, 'The request did not arrive in time.');
  }
  return problem(ErrorCode.MalformedRequest, 'The request is not valid HTTP/1.1.');
}

/**
 * Answers requests Node's HTTP parser refuses before any route sees them
 * (headers over 16 KiB, a malformed request line or header, a request that
 * never finishes arriving) with the same problem+json as every other error,
 * instead of Node's bare status line.
 */
export function answerClientErrors(server: Server): void {
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // A response already under way on this connection cannot be followed by another one.
    const inFlight = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (error.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const answer = answerFor(error.code);
    const status = answer.status;
    const body = JSON.stringify(answer);
    // An answer to HEAD has no body. The method is known only when the chunk that failed
    // starts with the request line, as it does when the headers came in one write.
    const head = (error as { rawPacket?: Buffer }).rawPacket?.toString('latin1', 0, 5) === 'HEAD ';
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\n` +
        'Content-Type: application/problem+json\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        (head ? '' : body),
    );
  });
}
