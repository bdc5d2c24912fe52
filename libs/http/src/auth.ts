import {
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  SetMetadata,
  applyDecorators,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';
import { ErrorCode, TccError, tokensEqual } from '@app/protocol';

/** Who may call a handler: anyone, a client (API key or admin token), or an operator (admin token only). */
export type Access = 'public' | 'client' | 'admin';

const ACCESS_KEY = 'tcc:access';

/** Injection token of the {@link AuthTokens} the guard checks against. */
export const AUTH_TOKENS = Symbol('AUTH_TOKENS');

/** The two bearer tokens of docs/protocol.md. */
export interface AuthTokens {
  apiKey: string;
  adminToken: string;
}

/** Marks a handler or controller as open to anyone (health, metrics, static files, signed phase calls). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_KEY, 'public');
/** Marks a handler or controller as operator-only: the admin token, never the API key. */
export const AdminOnly = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(ACCESS_KEY, 'admin'));

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(request: Request): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Who may call the handler of `context`: as marked with {@link Public} or {@link AdminOnly}, else `client`. */
export function accessOf(reflector: Reflector, context: ExecutionContext): Access {
  return (
    reflector.getAllAndOverride<Access>(ACCESS_KEY, [context.getHandler(), context.getClass()]) ??
    'client'
  );
}

/**
 * Global guard: every handler needs the API key or the admin token unless
 * marked {@link Public}; {@link AdminOnly} handlers answer 403 to the API key
 * and 401 to anything else that is not the admin token.
 */
@Injectable()
export class BearerAuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTH_TOKENS) private readonly tokens: AuthTokens,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const access = accessOf(this.reflector, context);
    if (access === 'public') return true;
    const token = bearerToken(context.switchToHttp().getRequest<Request>());
    // Both comparisons always run so the response time does not tell which token was close.
    const isAdmin = token !== undefined && tokensEqual(token, this.tokens.adminToken);
    const isClient = token !== undefined && tokensEqual(token, this.tokens.apiKey);
    if (access === 'admin') {
      if (isAdmin) return true;
      if (isClient) {
        throw new TccError(403, ErrorCode.Forbidden, 'This endpoint needs the admin token.');
      }
      throw new TccError(401, ErrorCode.Unauthorized, 'A valid admin bearer token is required.');
    }
    if (isAdmin || isClient) return true;
    throw new TccError(401, ErrorCode.Unauthorized, 'A valid bearer token is required.');
  }
}
