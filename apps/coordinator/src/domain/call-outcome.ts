/** How the coordinator reads a participant's answer to one phase call. */
export type CallOutcome =
  | { kind: 'ok' }
  /** A final refusal (409 business reason, 400 invalid payload): never retried. */
  | { kind: 'refused'; status: number; code: string | null; detail: string }
  /** No usable answer: the participant may or may not have applied the call. */
  | { kind: 'unknown'; error: string };

const MAX_TEXT = 500;

// A lone UTF-16 surrogate, which jsonb refuses (the event details are jsonb).
const LONE_SURROGATE = /\p{Cs}/gu;

/**
 * Bounds a participant's text to MAX_TEXT characters, cut between code
 * points so no surrogate pair is split, drops NUL and replaces lone
 * surrogates: PostgreSQL refuses both, and a participant's text must never
 * make recording its answer fail.
 */
function clip(text: string): string {
  const head = text.length > 2 * MAX_TEXT ? text.slice(0, 2 * MAX_TEXT) : text;
  const clean = head.replaceAll('\0', '').replace(LONE_SURROGATE, '\uFFFD');
  const chars = Array.from(clean);
  return chars.length > MAX_TEXT || head !== text ? `${chars.slice(0, MAX_TEXT).join('')}…` : clean;
}

/**
 * Classifies an HTTP answer: 200 is done; 409 and 400 are final refusals
 * that keep the participant's own problem `code` and `detail`; 401 and
 * everything else leave the outcome unknown.
 */
export function classifyResponse(status: number, body: string): CallOutcome {
  if (status === 200) return { kind: 'ok' };
  const problem = parseProblem(body);
  if (status === 409 || status === 400) {
    return {
      kind: 'refused',
      status,
      code: problem.code,
      detail: problem.detail ?? (clip(body.trim()) || `HTTP ${status}`),
    };
  }
  const detail = problem.detail ?? clip(body.trim());
  return { kind: 'unknown', error: `HTTP ${status}${detail ? `: ${detail}` : ''}` };
}

/** Classifies a call that got no answer: timeout, refused connection, reset. */
export function classifyFailure(error: unknown, timeoutMs: number): CallOutcome {
  const name = (error as { name?: string })?.name;
  if (name === 'TimeoutError' || name === 'HeadersTimeoutError' || name === 'BodyTimeoutError') {
    return { kind: 'unknown', error: `no answer within ${timeoutMs} ms` };
  }
  const code = (error as { code?: string })?.code;
  const message = error instanceof Error ? error.message : String(error);
  return { kind: 'unknown', error: clip(code ? `${code}: ${message}` : message) };
}

function parseProblem(body: string): { code: string | null; detail: string | null } {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed !== 'object' || parsed === null) return { code: null, detail: null };
    const { code, detail } = parsed as { code?: unknown; detail?: unknown };
    return {
      code: typeof code === 'string' ? clip(code) : null,
      detail: typeof detail === 'string' ? clip(detail) : null,
    };
  } catch {
    return { code: null, detail: null };
  }
}

/** The error text a failed call leaves on its branch, or null for success. */
export function describeFailure(outcome: CallOutcome): string | null {
  switch (outcome.kind) {
    case 'ok':
      return null;
    case 'refused':
      return `${outcome.status} ${outcome.code ?? 'REFUSED'}: ${outcome.detail}`;
    case 'unknown':
      return outcome.error;
  }
}
