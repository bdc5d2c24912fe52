import { NotFoundException } from '@nestjs/common';
import { BusinessRefusal, ErrorCode, HTTP_STATUS_OF, TccError } from '@app/protocol';
import { toProblem } from './problem.filter';

describe('toProblem', () => {
  it.each([
    [ErrorCode.ValidationFailed, 400],
    [ErrorCode.BadSignature, 401],
    [ErrorCode.Forbidden, 403],
    [ErrorCode.NotFound, 404],
    [ErrorCode.TryRefused, 409],
    [ErrorCode.NotTrying, 409],
    [ErrorCode.NotAllTried, 409],
    [ErrorCode.AlreadyDecided, 409],
    [ErrorCode.RebalanceRunning, 409],
    [ErrorCode.PayloadTooLarge, 413],
    [ErrorCode.UnknownParticipant, 422],
    [ErrorCode.UnknownAction, 422],
    [ErrorCode.IdempotencyKeyReused, 422],
    [ErrorCode.TryOutcomeUnknown, 502],
    [ErrorCode.LogUnavailable, 503],
  ])('answers %s with the status the wire contract gives it (%i)', (code, status) => {
    const body = toProblem(new TccError(code, 'detail', { extra: 1 }));
    expect(body).toMatchObject({ status, code, detail: 'detail', extra: 1 });
    expect(body.type).toBe(`urn:tcc:problem:${code.toLowerCase().replace(/_/g, '-')}`);
  });

  it('gives every code a client or server error status', () => {
    for (const [code, status] of Object.entries(HTTP_STATUS_OF)) {
      expect([code, status >= 400 && status < 600]).toEqual([code, true]);
    }
  });

  it("answers a participant's refusal 409 under the participant's own code", () => {
    expect(toProblem(new BusinessRefusal('OUT_OF_BEANS', 'No beans left.'))).toMatchObject({
      status: 409,
      code: 'OUT_OF_BEANS',
      detail: 'No beans left.',
    });
  });

  it("keeps the status of the framework's own exceptions", () => {
    expect(toProblem(new NotFoundException('Cannot GET /nowhere'))).toMatchObject({
      status: 404,
      code: ErrorCode.NotFound,
    });
  });

  it('answers anything unexpected 500 without its message', () => {
    expect(toProblem(new Error('secret internals'))).toMatchObject({
      status: 500,
      code: ErrorCode.Internal,
      detail: 'An unexpected error occurred.',
    });
  });
});
