import { ExecutionContext, SetMetadata, applyDecorators } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request } from 'express';

/** Who may call a handler: anyone, a client (API key or admin token), or an operator (admin token only). */
export type Access = 'public' | 'client' | 'admin';

const ACCESS_KEY = 'tcc:access';

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
