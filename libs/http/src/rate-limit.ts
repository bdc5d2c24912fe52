import {
  DynamicModule,
  ExecutionContext,
  Inject,
  Injectable,
  Module,
  Provider,
} from '@nestjs/common';
import { APP_GUARD, Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModule,
  ThrottlerModuleOptions,
  ThrottlerStorage,
} from '@nestjs/throttler';
import { createHash } from 'node:crypto';
import type { Request } from 'express';
import { ErrorCode, TccError, tokensEqual } from '@app/protocol';
import { AUTH_TOKENS, AuthTokens, BearerAuthGuard, accessOf, bearerToken } from './auth';

const WINDOW_MS = 60_000;

/**
 * The per-client rate limit of `TCC_RATE_LIMIT_PER_MINUTE`: one bucket per
 * valid bearer token (by its hash) and client address, across every
 * endpoint. A request without a valid token counts against its address
 * alone, so guessing tokens cannot open fresh buckets. Public handlers
 * (health, metrics, signed phase calls) are never limited: a refused phase
 * call would turn into a cancelled transaction.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    @Inject(AUTH_TOKENS) private readonly tokens: AuthTokens,
  ) {
    super(options, storage, reflector);
  }

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(accessOf(this.reflector, context) === 'public');
  }

  protected override async getTracker(request: Request): Promise<string> {
    const address = await super.getTracker(request);
    const token = bearerToken(request);
    if (token === undefined) return address;
    // Both comparisons always run, as in the bearer guard.
    const isAdmin = tokensEqual(token, this.tokens.adminToken);
    const isClient = tokensEqual(token, this.tokens.apiKey);
    if (!isAdmin && !isClient) return address;
    return `${createHash('sha256').update(token).digest('hex').slice(0, 16)}@${address}`;
  }

  // One bucket per client for the whole app, not one per route.
  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return tracker;
  }

  protected override throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new TccError(
      429,
      ErrorCode.TooManyRequests,
      `More than ${detail.limit} requests in a minute from this client; retry after ${detail.timeToBlockExpire} s.`,
      { retryAfterSeconds: detail.timeToBlockExpire },
    );
  }
}

/** An app's access rules: its two bearer tokens and its rate limit per client and minute (0: none). */
export interface AccessOptions {
  tokens: AuthTokens;
  rateLimitPerMinute: number;
}

/**
 * The guards every app runs on every handler, in this order: the rate
 * limit (first, so requests with a wrong token are limited too), then the
 * bearer tokens of {@link BearerAuthGuard}.
 */
@Module({})
export class AccessModule {
  static forRoot({ tokens, rateLimitPerMinute }: AccessOptions): DynamicModule {
    const limited = rateLimitPerMinute > 0;
    const guards: Provider[] = [
      ...(limited ? [{ provide: APP_GUARD, useClass: RateLimitGuard }] : []),
      { provide: APP_GUARD, useClass: BearerAuthGuard },
    ];
    return {
      module: AccessModule,
      imports: limited
        ? [ThrottlerModule.forRoot({ throttlers: [{ ttl: WINDOW_MS, limit: rateLimitPerMinute }] })]
        : [],
      providers: [{ provide: AUTH_TOKENS, useValue: tokens }, ...guards],
    };
  }
}
