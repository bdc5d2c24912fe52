// The one place the UI talks to the coordinator. The admin token lives in
// sessionStorage only (gone when the tab closes), never in the URL, never logged.

const TOKEN_KEY = 'tcc.adminToken';

/** The signed-in admin token. */
export const session = {
  /** @returns {string | null} */
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  /** @param {string} token */
  signIn(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  signOut() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

/** A failed call: `status` 0 means the coordinator could not be reached. */
export class ApiError extends Error {
  /**
   * @param {number} status
   * @param {{ detail?: string, code?: string, title?: string }} problem
   */
  constructor(status, problem) {
    super(problem.detail ?? problem.title ?? `HTTP ${status}`);
    this.name = 'ApiError';
    this.status = status;
    this.code = problem.code ?? null;
  }
}

/** Thrown after a 401: the view stops, the app shows sign-in. */
export class SessionEnded extends Error {
  constructor() {
    super('The session ended.');
    this.name = 'SessionEnded';
  }
}

/** @type {(message: string) => void} */
let onSessionEnded = () => {};

/**
 * Registers what happens when any call gets 401.
 * @param {(message: string) => void} handler
 */
export function whenSessionEnds(handler) {
  onSessionEnded = handler;
}

/**
 * @param {Response} response
 * @returns {Promise<any>}
 */
async function readJson(response) {
  const text = await response.text();
  if (text === '') return null;
  try {
    return JSON.parse(text);
  } catch {
    return { detail: text.slice(0, 300) };
  }
}

/**
 * Calls the coordinator with the admin token; a 401 ends the session.
 * @param {string} method
 * @param {string} path
 * @param {{ body?: unknown, signal?: AbortSignal }} [options]
 * @returns {Promise<any>} the JSON body, or null when empty
 */
export async function api(method, path, { body, signal } = {}) {
  const token = session.token;
  if (token === null) {
    onSessionEnded('');
    throw new SessionEnded();
  }
  /** @type {Response} */
  let response;
  try {
    response = await fetch(path, {
      method,
      signal,
      headers: {
        accept: 'application/json',
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch (error) {
    if (signal?.aborted) throw error;
    throw new ApiError(0, { detail: 'Could not reach the coordinator.' });
  }
  const parsed = await readJson(response);
  if (response.status === 401) {
    session.signOut();
    onSessionEnded('Your session ended: the admin token was not accepted. Sign in again.');
    throw new SessionEnded();
  }
  if (!response.ok) throw new ApiError(response.status, parsed ?? {});
  return parsed;
}

/**
 * Asks whether a token is the admin token, without storing it.
 * @param {string} token
 * @returns {Promise<{ ok: true } | { ok: false, message: string }>}
 */
export async function checkToken(token) {
  /** @type {Response} */
  let response;
  try {
    response = await fetch('/v1/admin/session', {
      headers: { authorization: `Bearer ${token}` },
      credentials: 'omit',
      cache: 'no-store',
    });
  } catch {
    return { ok: false, message: 'Could not reach the coordinator. Is it running?' };
  }
  if (response.ok) return { ok: true };
  if (response.status === 401) {
    return { ok: false, message: 'That token was not accepted. Use the value of TCC_ADMIN_TOKEN.' };
  }
  if (response.status === 403) {
    return {
      ok: false,
      message: 'That is the API key. The admin UI needs the admin token (TCC_ADMIN_TOKEN).',
    };
  }
  const problem = await readJson(response);
  const detail = typeof problem?.detail === 'string' ? `: ${problem.detail}` : '';
  return { ok: false, message: `The coordinator answered HTTP ${response.status}${detail}.` };
}

/**
 * A message for a failed call, for a toast or banner.
 * @param {unknown} error
 * @returns {string}
 */
export function describeError(error) {
  if (error instanceof ApiError) {
    if (error.status === 0) return error.message;
    return `${error.message} (${error.code ? `${error.code}, ` : ''}HTTP ${error.status})`;
  }
  return error instanceof Error ? error.message : String(error);
}

/**
 * True for errors a view should drop silently: it was left, or the session ended.
 * @param {unknown} error
 * @returns {boolean}
 */
export function isQuietError(error) {
  return (
    error instanceof SessionEnded || (error instanceof DOMException && error.name === 'AbortError')
  );
}
