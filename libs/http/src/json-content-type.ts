import type { RequestHandler } from 'express';
import { ErrorCode, TccError } from '@app/protocol';

/** The media types the JSON body parser reads; any other body would reach validation as nothing. */
const JSON_TYPES = ['application/json', 'application/*+json'];

/**
 * Refuses a request whose body is not declared as JSON with a 415 naming the
 * header, instead of letting the unread body fail validation field by field
 * (`curl -d` without `-H 'Content-Type: application/json'` sends a form).
 * Requests without a body, such as a bare confirm, pass.
 */
export function requireJsonBody(): RequestHandler {
  return (req, _res, next) => {
    // null: the request has no body; false: it has one of another type. Fetch sends an empty
    // POST with `Content-Length: 0` and no type: that is no body either.
    if (req.headers['content-length'] === '0' || req.is(JSON_TYPES) !== false) {
      next();
      return;
    }
    const given = req.headers['content-type'] ?? 'none';
    next(
      new TccError(
        ErrorCode.UnsupportedMediaType,
        `The request body must be JSON: send the header Content-Type: application/json (got ${given}).`,
      ),
    );
  };
}
