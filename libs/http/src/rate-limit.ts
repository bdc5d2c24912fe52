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
import type { Request } from 'express';
import { ErrorCode, TccError } from '@app/protocol';
import { accessOf, bearerToken } from './auth';
import { AUTH_TOKENS, AuthTokens, BearerAuthGuard, CredentialMatcher } from './bearer-auth';

const WINDOW_MS = 60_000;

/**
 * The per-client rate limit of `TCC_RATE_LIMIT_PER_MINUTE`: one bucket per
 * caller (the name of a valid API key, or the admin token), whatever address
 * it comes from, across every endpoint. A request without a valid token
 * counts against its address alone, so guessing tokens cannot open fresh
 * buckets. Public handlers
 * (health, metrics, signed phase calls) are never limited: a refused phase
 * call would turn into a cancelled transaction.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    @Inject(AUTH_TOKENS) private readonly credentials: CredentialMatcher,
  ) {
    super(options, storage, reflector);
  }

  protected override shouldSkip(context: ExecutionContext): Promise<boolean> {
    return Promise.resolve(accessOf(this.reflector, context) === 'public');
  }

  protected override async getTracker(request: Request): Promise<string> {
    const caller = this.credentials.identify(bearerToken(request));
    // A current and a previous key of one caller share its budget.
    if (caller) return `caller:${caller.name}`;
    return `address:${await super.getTracker(request)}`;
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
      ErrorCode.TooManyRequests,
      `More than ${detail.limit} requests in a minute from this client; retry after ${detail.timeToBlockExpire} s.`,
      { retryAfterSeconds: detail.timeToBlockExpire },
    );
  }
}

/** An app's access rules: its bearer tokens and its rate limit per caller and minute (0: none). */
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
      providers: [{ provide: AUTH_TOKENS, useValue: new CredentialMatcher(tokens) }, ...guards],
    };
  }
}
