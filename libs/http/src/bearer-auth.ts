import {
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  createParamDecorator,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Request } from 'express';
import { ADMIN_CALLER, CallerKey, Secrets } from '@app/config';
import { ErrorCode, TccError, tokenDigest } from '@app/protocol';
import { accessOf, bearerToken } from './auth';

/** Injection token of the {@link CredentialMatcher} the guards check tokens with. */
export const AUTH_TOKENS = Symbol('AUTH_TOKENS');

/** The bearer tokens an app accepts: API keys by caller, and the admin token, each with a previous value during a rotation. */
export interface AuthTokens {
  /** Client keys, each with the caller it identifies; a caller has two during a rotation. */
  apiKeys: readonly CallerKey[];
  /** The admin token, then the previous one during a rotation. */
  adminTokens: readonly string[];
}

/** The tokens an app accepts, from its parsed secrets. */
export function authTokensOf(secrets: Secrets): AuthTokens {
  return { apiKeys: secrets.apiKeys, adminTokens: secrets.adminTokens };
}

/** Who a valid bearer token identifies. */
export interface Caller {
  /** The API key's name (`default` for TCC_API_KEY), or `admin` for the admin token. */
  name: string;
  admin: boolean;
}

/**
 * Finds the caller a bearer token belongs to. Every accepted credential is
 * compared, by digest and in constant time, even after a match, so the
 * response time does not tell which credential was close or matched.
 */
export class CredentialMatcher {
  private readonly credentials: { caller: Caller; digest: Buffer }[];

  constructor(tokens: AuthTokens) {
    this.credentials = [
      ...tokens.adminTokens.map((token) => ({
        caller: { name: ADMIN_CALLER, admin: true },
        digest: tokenDigest(token),
      })),
      ...tokens.apiKeys.map(({ caller, key }) => ({
        caller: { name: caller, admin: false },
        digest: tokenDigest(key),
      })),
    ];
  }

  /** The caller `token` identifies, or undefined when it is no accepted credential. */
  identify(token: string | undefined): Caller | undefined {
    if (token === undefined) return undefined;
    const given = tokenDigest(token);
    let found: Caller | undefined;
    for (const credential of this.credentials) {
      if (timingSafeEqual(given, credential.digest)) found = credential.caller;
    }
    return found;
  }
}

const CALLER = Symbol('tcc.caller');

type IdentifiedRequest = IncomingMessage & { [CALLER]?: string };

/** Notes who made a request, for the handler, the request log line and the rate limit's records. */
export function recordCaller(request: IncomingMessage, caller: string): void {
  (request as IdentifiedRequest)[CALLER] = caller;
}

/** The caller name the bearer guard found for a request; undefined for public handlers and refusals. */
export function callerOf(request: IncomingMessage): string | undefined {
  return (request as IdentifiedRequest)[CALLER];
}

/** A handler parameter: the name of the caller that made the request (see {@link callerOf}). */
export const CallerName = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  callerOf(context.switchToHttp().getRequest<Request>()),
);

/**
 * Global guard: every handler needs an API key or the admin token unless
 * marked {@link Public}; {@link AdminOnly} handlers answer 403 to an API key
 * and 401 to anything else that is not the admin token. The caller it finds
 * stays on the request for {@link callerOf}.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTH_TOKENS) private readonly credentials: CredentialMatcher,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const access = accessOf(this.reflector, context);
    if (access === 'public') return true;
    const request = context.switchToHttp().getRequest<Request>();
    const caller = this.credentials.identify(bearerToken(request));
    if (access === 'admin' && caller && !caller.admin) {
      throw new TccError(ErrorCode.Forbidden, 'This endpoint needs the admin token.');
    }
    if (!caller) {
      const what = access === 'admin' ? 'A valid admin bearer token' : 'A valid bearer token';
      throw new TccError(ErrorCode.Unauthorized, `${what} is required.`);
    }
    recordCaller(request, caller.name);
    return true;
  }
}
