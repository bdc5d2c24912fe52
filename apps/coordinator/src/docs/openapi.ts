import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { PROBLEM_DETAILS } from '@app/protocol';
import { ADMIN_TOKEN_SCHEME, API_KEY_SCHEME } from './endpoint-docs';
import { wireComponents, wireRef } from './wire-components';

/** Where the OpenAPI UI is served; the raw document is at `${DOCS_PATH}-json`. */
export const DOCS_PATH = 'docs';

const PROTOCOL_TAG = 'Participant protocol';

const API_DESCRIPTION = `
A Try-Confirm-Cancel coordinator. Clients start transactions whose branches run
on participants; every branch is tried, the decision is logged, then every
branch is confirmed or every branch is cancelled. Whatever crashes in between,
the recovery loop finishes the logged decision.

**Authentication.** Every endpoint but \`/health\`, \`/health/ready\`, \`/metrics\`
and the admin UI's static files needs \`Authorization: Bearer <TCC_API_KEY>\`
(the admin token is accepted too). Admin endpoints take only
\`TCC_ADMIN_TOKEN\`: no or a wrong token gets 401, the API key gets 403.

**Errors** are \`application/problem+json\` (RFC 9457) with a stable \`code\`;
validation failures add \`errors\`. A bad request is never answered with a 5xx.
Bodies over 256 KiB get 413; a transaction has at most 50 branches; amounts and
quantities are integers 1 … 2^53−1.

**Idempotency.** \`Idempotency-Key\` on creating a transaction or adding a
branch makes the request safe to repeat. A transaction's key stays taken for
\`TCC_IDEMPOTENCY_RETENTION_DAYS\` after it finished, also once retention
purged the transaction: a repeat then gets 410 \`TRANSACTION_PURGED\`.

The participant side of the protocol is described under the
"${PROTOCOL_TAG}" tag.
`.trim();

const PROTOCOL_DESCRIPTION = `
The coordinator calls every participant, for a branch with action A, at
\`POST {baseUrl}/tcc/{A}/try\`, \`…/confirm\` and \`…/cancel\` with the body
\`{ "transactionId", "branchId", "payload" }\`.

Headers: \`X-TCC-Timestamp\` (epoch ms), \`X-TCC-Deadline\` (epoch ms, on try
only), and \`X-TCC-Signature: sha256=<hex>\`, the lower-case hex HMAC-SHA256
with \`TCC_SIGNING_SECRET\` over
\`<timestamp>.<METHOD>.<path>.<deadline>.<raw body>\`, where \`path\` is
\`/tcc/{A}/{phase}\` whatever path \`baseUrl\` has and \`deadline\` is the
header's value or empty. The participant checks the raw bytes in constant time
before anything else, accepting \`TCC_SIGNING_SECRET_PREVIOUS\` too; a
timestamp more than five minutes off either way is refused. Each attempt is
signed afresh.

Answers: **200** done (also a repeat, and an empty cancel whose try never
arrived); **409** refused for a business reason, a late try, or a confirm
without a successful try; **400** invalid payload; **401** bad or stale
signature. Anything else, or no answer within \`TCC_CALL_TIMEOUT_MS\`, is
unknown: a try is then cancelled, a confirm or cancel retried until it
answers 200. Every phase runs behind a barrier table
(\`(transaction_id, branch_id, phase)\` unique), so repeats and
out-of-order calls are harmless.
`.trim();

const problem = wireRef(PROBLEM_DETAILS);

/** The participant endpoint, described on the participant's own server. */
function participantProtocolPath(): OpenAPIObject['paths'] {
  return {
    '/tcc/{action}/{phase}': {
      servers: [
        {
          url: '{baseUrl}',
          variables: {
            baseUrl: {
              default: 'http://127.0.0.1:3001',
              description: 'The participant’s registered baseUrl.',
            },
          },
        },
      ],
      post: {
        tags: [PROTOCOL_TAG],
        operationId: 'participantPhase',
        summary: 'A phase call the coordinator makes to a participant',
        parameters: [
          {
            name: 'action',
            in: 'path',
            required: true,
            schema: { type: 'string', example: 'debit' },
          },
          {
            name: 'phase',
            in: 'path',
            required: true,
            schema: { type: 'string', enum: ['try', 'confirm', 'cancel'] },
          },
          {
            name: 'X-TCC-Timestamp',
            in: 'header',
            required: true,
            schema: { type: 'string', example: '1767225600000' },
          },
          {
            name: 'X-TCC-Deadline',
            in: 'header',
            required: false,
            description: 'On try only: the transaction deadline, epoch ms.',
            schema: { type: 'string', example: '1767225630000' },
          },
          {
            name: 'X-TCC-Signature',
            in: 'header',
            required: true,
            schema: { type: 'string', example: 'sha256=9f86d081884c7d65…' },
          },
        ],
        requestBody: {
          required: true,
          content: {
            'application/json': {
              schema: {
                type: 'object',
                required: ['transactionId', 'branchId', 'payload'],
                properties: {
                  transactionId: { type: 'string', format: 'uuid' },
                  branchId: { type: 'string', format: 'uuid' },
                  payload: { type: 'object', additionalProperties: true },
                },
              },
              example: {
                transactionId: '3f1c1a52-8a0e-4e4b-9a53-2d3f1f0e9b11',
                branchId: '9b2d7c41-0b6a-4d0e-8f3e-5a1c2b3d4e5f',
                payload: { accountId: 'alice', amount: 2500 },
              },
            },
          },
        },
        responses: {
          '200': { description: 'Done (also a repeat, and an empty cancel).' },
          '400': {
            description: 'Invalid payload: final, like a refusal.',
            content: { 'application/problem+json': { schema: problem } },
          },
          '401': {
            description: 'Missing, invalid or stale signature.',
            content: { 'application/problem+json': { schema: problem } },
          },
          '409': {
            description:
              'Refused: business reason (e.g. INSUFFICIENT_FUNDS), late try, or confirm without a successful try.',
            content: { 'application/problem+json': { schema: problem } },
          },
        },
      },
    },
  };
}

/** The OpenAPI document of every coordinator endpoint, plus the participant protocol. */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('TCC Coordinator')
    .setDescription(API_DESCRIPTION)
    .setVersion('1')
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', description: 'TCC_API_KEY: clients and participants.' },
      API_KEY_SCHEME,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: 'TCC_ADMIN_TOKEN: operators, the admin UI; accepted wherever the API key is.',
      },
      ADMIN_TOKEN_SCHEME,
    )
    .addTag('Transactions', 'Start, extend, decide and read transactions.')
    .addTag('Participants', 'The registry of participants.')
    .addTag('Admin', 'Operator actions and the admin UI’s reads; admin token only.')
    .addTag('Operations', 'Health, readiness and Prometheus metrics; no token.')
    .addTag(PROTOCOL_TAG, PROTOCOL_DESCRIPTION)
    .build();
  const document = SwaggerModule.createDocument(app, config);
  document.paths = { ...document.paths, ...participantProtocolPath() };
  document.components = {
    ...document.components,
    schemas: { ...document.components?.schemas, ...wireComponents() },
  };
  return document;
}

/** Serves the UI at `/docs` and the JSON at `/docs-json`, both public. */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup(DOCS_PATH, app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: `${DOCS_PATH}-json`,
    yamlDocumentUrl: `${DOCS_PATH}-yaml`,
    customSiteTitle: 'TCC Coordinator API',
    swaggerOptions: { validatorUrl: null },
  });
}
