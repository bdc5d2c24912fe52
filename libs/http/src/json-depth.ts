import type { RequestHandler } from 'express';
import { ErrorCode, MAX_JSON_DEPTH, TccError } from '@app/protocol';

/**
 * True when `value` nests objects or arrays more than `limit` deep (the
 * value itself is depth 1). Iterative, so a hostile body cannot exhaust the
 * stack here, and it stops at the first branch that is too deep.
 */
export function nestsDeeperThan(value: unknown, limit: number): boolean {
  const pending: [unknown, number][] = [[value, 1]];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const [current, depth] = next;
    if (typeof current !== 'object' || current === null) continue;
    if (depth > limit) return true;
    for (const child of Object.values(current)) pending.push([child, depth + 1]);
  }
  return false;
}

/**
 * Refuses a parsed JSON body nested deeper than {@link MAX_JSON_DEPTH} with
 * a 400 before any pipe sees it: class-transformer and the validation pipe
 * walk bodies recursively, and 256 KiB of `[` would overflow their stack.
 */
export function rejectDeepJson(): RequestHandler {
  return (req, _res, next) => {
    if (!nestsDeeperThan(req.body, MAX_JSON_DEPTH)) {
      next();
      return;
    }
    const message = `must not nest objects or arrays more than ${MAX_JSON_DEPTH} deep`;
    next(
      new TccError(ErrorCode.ValidationFailed, `The request body ${message}.`, {
        errors: [{ field: 'body', messages: [message] }],
      }),
    );
  };
}
