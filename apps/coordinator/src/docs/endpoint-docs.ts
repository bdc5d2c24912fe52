import { Type, applyDecorators } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiHeader,
  ApiNoContentResponse,
  ApiOperation,
  ApiParam,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import {
  BRANCH_VIEW,
  PARTICIPANT_LIST,
  PARTICIPANT_VIEW,
  PROBLEM_DETAILS,
  TRANSACTION_PAGE,
  TRANSACTION_VIEW,
} from '@app/protocol';
import { AdminStatsDoc, HealthDoc, ReadinessDoc } from './schemas';
import { wireRef } from './wire-components';

// One decorator per endpoint, so controllers stay a list of one-line handlers
// and the whole API description can be read here, next to its examples.

/** Name of the security scheme of `TCC_API_KEY`. */
export const API_KEY_SCHEME = 'api-key';
/** Name of the security scheme of `TCC_ADMIN_TOKEN`. */
export const ADMIN_TOKEN_SCHEME = 'admin-token';

/** The two examples of docs/protocol.md: a transfer between shards and a purchase with an order. */
export const BEGIN_EXAMPLES = {
  transfer: {
    summary: 'Transfer 2500 from alice to bob (two account shards)',
    value: {
      branches: [
        { participant: 'account', action: 'debit', payload: { accountId: 'alice', amount: 2500 } },
        { participant: 'account', action: 'credit', payload: { accountId: 'bob', amount: 2500 } },
      ],
    },
  },
  purchase: {
    summary: 'Reserve stock with an order, debit the buyer, credit the shop',
    value: {
      branches: [
        {
          participant: 'inventory',
          action: 'reserve',
          payload: { sku: 'SKU-1', quantity: 2, orderId: 'o-42' },
        },
        { participant: 'account', action: 'debit', payload: { accountId: 'alice', amount: 2000 } },
        { participant: 'account', action: 'credit', payload: { accountId: 'shop', amount: 2000 } },
      ],
      timeoutMs: 10000,
      autoCommit: true,
    },
  },
  interactive: {
    summary: 'Interactive: answer 201 TRYING; add branches, then confirm or cancel',
    value: { branches: [], autoCommit: false, timeoutMs: 30000 },
  },
};

const PROBLEM_TEXT: Record<number, string> = {
  400: 'Invalid request (`VALIDATION_FAILED` with `errors`, or `MALFORMED_JSON`).',
  401: 'No or a wrong bearer token (`UNAUTHORIZED`).',
  403: 'The API key on an admin endpoint (`FORBIDDEN`).',
  404: 'Unknown transaction id (`NOT_FOUND`).',
  413: 'Body over 256 KiB (`PAYLOAD_TOO_LARGE`).',
};

/** problem+json answers; `texts` overrides the generic description per status. */
function problems(statuses: number[], texts: Record<number, string> = {}): MethodDecorator {
  return applyDecorators(
    ...statuses.map((status) =>
      ApiResponse({
        status,
        description: texts[status] ?? PROBLEM_TEXT[status] ?? 'Problem.',
        content: { 'application/problem+json': { schema: wireRef(PROBLEM_DETAILS) } },
      }),
    ),
  );
}

const client = (): MethodDecorator & ClassDecorator =>
  applyDecorators(ApiBearerAuth(API_KEY_SCHEME), ApiBearerAuth(ADMIN_TOKEN_SCHEME));
const admin = (): MethodDecorator & ClassDecorator => ApiBearerAuth(ADMIN_TOKEN_SCHEME);

const transactionId = ApiParam({ name: 'id', format: 'uuid', description: 'Transaction id.' });
const idempotencyKey = ApiHeader({
  name: 'Idempotency-Key',
  required: false,
  description:
    '1–255 visible ASCII characters. A repeat with the same body answers the stored result with ' +
    '`Idempotent-Replayed: true` and runs nothing twice; another body gets 422.',
});
const traceparent = ApiHeader({
  name: 'traceparent',
  required: false,
  description:
    "W3C Trace Context: the coordinator's spans for this request, and the participants' through its phase calls, " +
    "join the caller's trace when tracing is on (docs/operations.md, Tracing).",
});
const decided = (what: string) =>
  ApiResponse({
    status: 202,
    schema: wireRef(TRANSACTION_VIEW),
    description: `${what} is decided but some branch has not answered phase 2 yet; recovery finishes it (\`Location\` header).`,
  });

/** Tag of the transaction endpoints. */
export const TransactionsTag = (): ClassDecorator => ApiTags('Transactions');
/** Tag of the participant registry endpoints. */
export const ParticipantsTag = (): ClassDecorator => ApiTags('Participants');
/** Tag of the admin endpoints. */
export const AdminTag = (): ClassDecorator => ApiTags('Admin');
/** Tag of health, readiness and metrics. */
export const OperationsTag = (): ClassDecorator => ApiTags('Operations');

/** `POST /v1/transactions`; `body` is its DTO, passed in so the docs import nothing of the app. */
export const BeginTransactionDocs = (body: Type): MethodDecorator =>
  applyDecorators(
    client(),
    ApiOperation({
      summary: 'Start a transaction',
      description:
        'With `autoCommit` (default) every branch is tried, then all are confirmed or all cancelled, and the ' +
        'answer is the outcome: read `status`, not only the HTTP code. With `autoCommit: false` the answer is ' +
        '201 `TRYING`; add branches and decide before the deadline.',
    }),
    ApiBody({ type: body, examples: BEGIN_EXAMPLES }),
    idempotencyKey,
    traceparent,
    ApiResponse({
      status: 200,
      schema: wireRef(TRANSACTION_VIEW),
      description:
        'Ended: `CONFIRMED`, or `CANCELLED` with `reason`, `reasonCode` and `failedBranchId`.',
    }),
    ApiResponse({
      status: 201,
      schema: wireRef(TRANSACTION_VIEW),
      description: 'Interactive (`autoCommit: false`): `TRYING`, each branch with its own status.',
    }),
    decided('The outcome'),
    problems([400, 401, 410, 413, 422], {
      400: 'Invalid body (`VALIDATION_FAILED`): e.g. more than 50 branches, `timeoutMs` out of range, no branches with autoCommit.',
      410: '`TRANSACTION_PURGED`: the `Idempotency-Key` started a transaction that retention has purged since; `transactionId` and `transactionStatus` say which and how it ended. Nothing was run.',
      422: '`UNKNOWN_PARTICIPANT`, `UNKNOWN_ACTION`, or `IDEMPOTENCY_KEY_REUSED` with another body.',
    }),
  );

/** `GET /v1/transactions`. */
export const ListTransactionsDocs = (): MethodDecorator =>
  applyDecorators(
    client(),
    ApiOperation({
      summary: 'List transactions, newest first',
      description:
        'Keyset paging: pass `nextCursor` back as `cursor`. Filters combine: `status`, `stuck`, `participant`, ' +
        'a `from`/`to` range of `createdAt` (inclusive), and `q` for the start of a transaction id (the 8 characters the admin UI shows find it) or an exact idempotency key.',
    }),
    ApiResponse({ status: 200, schema: wireRef(TRANSACTION_PAGE) }),
    problems([400, 401]),
  );

/** `GET /v1/transactions/:id`. */
export const GetTransactionDocs = (): MethodDecorator =>
  applyDecorators(
    client(),
    transactionId,
    ApiOperation({ summary: 'A transaction with its branches and event timeline' }),
    ApiResponse({ status: 200, schema: wireRef(TRANSACTION_VIEW) }),
    problems([401, 404]),
  );

/** `POST /v1/transactions/:id/branches`. */
export const AddBranchDocs = (): MethodDecorator =>
  applyDecorators(
    client(),
    transactionId,
    idempotencyKey,
    traceparent,
    ApiOperation({ summary: 'Try one more branch of a trying transaction' }),
    ApiResponse({ status: 200, schema: wireRef(BRANCH_VIEW), description: 'The branch, `TRIED`.' }),
    problems([400, 401, 404, 409, 413, 422, 502], {
      409: '`TRY_REFUSED` (the branch is `TRY_FAILED`; the client may cancel or try others) or `NOT_TRYING`.',
      422: '`UNKNOWN_PARTICIPANT`, `UNKNOWN_ACTION`, or `IDEMPOTENCY_KEY_REUSED`.',
      502: '`TRY_OUTCOME_UNKNOWN`: the participant did not answer in time or answered 5xx; the transaction is now `CANCELLING`.',
    }),
  );

/** `POST /v1/transactions/:id/confirm`. */
export const ConfirmDocs = (): MethodDecorator =>
  applyDecorators(
    client(),
    transactionId,
    traceparent,
    ApiOperation({
      summary: 'Decide confirm',
      description:
        'Only while `TRYING`, before the deadline, with every branch `TRIED`. Repeating it on a confirmed or confirming transaction answers the same way.',
    }),
    ApiResponse({
      status: 200,
      schema: wireRef(TRANSACTION_VIEW),
      description: 'Every branch confirmed.',
    }),
    decided('Confirm'),
    problems([401, 404, 409], {
      409: '`NOT_ALL_TRIED`, `ALREADY_DECIDED` (cancelled), or the deadline passed.',
    }),
  );

/** `POST /v1/transactions/:id/cancel`. */
export const CancelDocs = (): MethodDecorator =>
  applyDecorators(
    client(),
    transactionId,
    traceparent,
    ApiOperation({
      summary: 'Decide cancel',
      description: 'Allowed while `TRYING`; idempotent on `CANCELLING`/`CANCELLED`.',
    }),
    ApiResponse({
      status: 200,
      schema: wireRef(TRANSACTION_VIEW),
      description: 'Every branch cancelled.',
    }),
    decided('Cancel'),
    problems([401, 404, 409], { 409: '`ALREADY_DECIDED`: the decision was confirm.' }),
  );

/** `POST /v1/participants`. */
export const RegisterParticipantDocs = (): MethodDecorator =>
  applyDecorators(
    client(),
    ApiOperation({
      summary: 'Register or update a participant (by name)',
      description:
        'Needs the API key and a signature made with `TCC_SIGNING_SECRET` over path `/v1/participants` ' +
        '(the scheme of the participant protocol, empty deadline), so only a real participant can register or move a name.',
    }),
    ApiHeader({ name: 'X-TCC-Timestamp', required: true, description: 'Epoch milliseconds.' }),
    ApiHeader({
      name: 'X-TCC-Signature',
      required: true,
      description: '`sha256=<hex HMAC-SHA256>` of `<timestamp>.POST./v1/participants..<raw body>`.',
    }),
    ApiResponse({ status: 200, schema: wireRef(PARTICIPANT_VIEW) }),
    problems([400, 401, 413], { 401: 'No or a wrong bearer token, or a bad or stale signature.' }),
  );

/** `GET /v1/participants`. */
export const ListParticipantsDocs = (): MethodDecorator =>
  applyDecorators(
    client(),
    ApiOperation({ summary: 'Registered participants with their last call health' }),
    ApiResponse({ status: 200, schema: wireRef(PARTICIPANT_LIST) }),
    problems([401]),
  );

/** `POST /v1/admin/transactions/:id/retry`. */
export const RetryDocs = (): MethodDecorator =>
  applyDecorators(
    admin(),
    transactionId,
    ApiOperation({ summary: 'Run phase 2 now instead of at the next retry' }),
    ApiResponse({ status: 200, schema: wireRef(TRANSACTION_VIEW), description: 'It finished.' }),
    ApiResponse({
      status: 202,
      schema: wireRef(TRANSACTION_VIEW),
      description: 'Some branch still did not answer.',
    }),
    problems([401, 403, 404, 409], {
      409: 'Not decided yet, already finished or resolved (`ALREADY_FINISHED`), or another coordinator holds it (`CONFLICT`).',
    }),
  );

/** `POST /v1/admin/transactions/:id/cancel`. */
export const AdminCancelDocs = (): MethodDecorator =>
  applyDecorators(
    admin(),
    transactionId,
    ApiOperation({ summary: 'Cancel a trying transaction, as its client could' }),
    ApiResponse({ status: 200, schema: wireRef(TRANSACTION_VIEW) }),
    decided('Cancel'),
    problems([401, 403, 404, 409], { 409: '`ALREADY_DECIDED`: the decision was confirm.' }),
  );

/** `POST /v1/admin/transactions/:id/resolve`. */
export const ResolveDocs = (): MethodDecorator =>
  applyDecorators(
    admin(),
    transactionId,
    ApiOperation({
      summary: 'Record that a person settled it by hand',
      description:
        'Ends a decided transaction (`CONFIRMING` or `CANCELLING`): no participant is called for it again, ' +
        'no decision or phase-2 outcome is recorded for it any more, it shows `resolved: true`, leaves the ' +
        'stuck list, and the note stays in its events. Settle every branch by hand first.',
    }),
    ApiResponse({ status: 200, schema: wireRef(TRANSACTION_VIEW) }),
    problems([400, 401, 403, 404, 409], {
      409: '`NOT_DECIDED`: it is still `TRYING` (cancel it first); `ALREADY_FINISHED`: it ended, or was resolved before.',
    }),
  );

/** `GET /v1/admin/stats`. */
export const StatsDocs = (): MethodDecorator =>
  applyDecorators(
    admin(),
    ApiOperation({
      summary: "The admin UI's overview",
      description:
        'Counts by status, the stuck count, finished transactions per five minutes over the last hour, participants.',
    }),
    ApiResponse({ status: 200, type: AdminStatsDoc }),
    problems([401, 403]),
  );

/** `GET /v1/admin/session`. */
export const SessionDocs = (): MethodDecorator =>
  applyDecorators(
    admin(),
    ApiOperation({ summary: 'Check a token is the admin token (the UI signs in with it)' }),
    ApiNoContentResponse({ description: 'It is.' }),
    problems([401, 403]),
  );

/** `GET /health`. */
export const HealthDocs = (): MethodDecorator =>
  applyDecorators(
    ApiOperation({ summary: 'Liveness and database' }),
    ApiResponse({ status: 200, type: HealthDoc }),
    ApiResponse({ status: 503, type: HealthDoc, description: 'The database does not answer.' }),
  );

/** `GET /health/ready`. */
export const ReadinessDocs = (): MethodDecorator =>
  applyDecorators(
    ApiOperation({
      summary: 'Readiness: database, and a recovery pass ended within three recovery intervals',
    }),
    ApiResponse({ status: 200, type: ReadinessDoc }),
    ApiResponse({
      status: 503,
      type: ReadinessDoc,
      description: 'The database is down or the recovery loop stalled.',
    }),
  );

/** `GET /metrics`. */
export const MetricsDocs = (): MethodDecorator =>
  applyDecorators(
    ApiOperation({
      summary: 'Prometheus metrics (text format)',
      description:
        '`tcc_transactions_started_total{caller}`, `tcc_transactions_finished_total{outcome}`, `tcc_phase_duration_seconds{phase}`, ' +
        '`tcc_participant_call_duration_seconds{participant,phase,outcome}`, `tcc_participant_call_errors_total{participant,phase}`, ' +
        '`tcc_phase2_retries_total`, `tcc_stuck_transactions`, `tcc_recovery_loop_duration_seconds`, ' +
        '`tcc_recovery_last_run_timestamp_seconds`, and the default Node.js process metrics.',
    }),
    ApiProduces('text/plain'),
    ApiResponse({ status: 200, description: 'Prometheus text exposition format 0.0.4.' }),
  );
