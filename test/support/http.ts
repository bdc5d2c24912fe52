/** A parsed response body: whatever the server sent; each test asserts the shape it expects. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** One HTTP answer as tests look at it: status, lower-cased headers, parsed JSON (or text) body. */
export interface HttpResponse<T = Json> {
  status: number;
  headers: Record<string, string>;
  body: T;
}

/** Per-request extras: headers, or a raw string body sent as-is (malformed JSON, oversized bodies). */
export interface RequestOptions {
  headers?: Record<string, string>;
  raw?: string;
  /** Overrides the client's bearer token; `null` sends no Authorization header. */
  token?: string | null;
}

/** Fetch wrappers bound to a base URL and a bearer token. */
export interface HttpClient {
  get<T = Json>(path: string, options?: RequestOptions): Promise<HttpResponse<T>>;
  post<T = Json>(path: string, body?: unknown, options?: RequestOptions): Promise<HttpResponse<T>>;
  put<T = Json>(path: string, body?: unknown, options?: RequestOptions): Promise<HttpResponse<T>>;
  request<T = Json>(
    method: string,
    path: string,
    body?: unknown,
    options?: RequestOptions,
  ): Promise<HttpResponse<T>>;
}

const REQUEST_TIMEOUT_MS = 60_000;

/** A client for `baseUrl` that sends `Authorization: Bearer <token>` unless told otherwise. */
export function httpClient(baseUrl: string, token: string | null): HttpClient {
  const request = async <T>(
    method: string,
    path: string,
    body?: unknown,
    options: RequestOptions = {},
  ): Promise<HttpResponse<T>> => {
    const headers: Record<string, string> = { ...options.headers };
    const bearer = options.token === undefined ? token : options.token;
    if (bearer !== null) headers.authorization = `Bearer ${bearer}`;
    let payload: string | undefined = options.raw;
    if (payload === undefined && body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] ??= 'application/json';
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers,
      body: payload,
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const text = await response.text();
    const type = response.headers.get('content-type') ?? '';
    const parsed = /json/.test(type) && text !== '' ? (JSON.parse(text) as T) : (text as T);
    return {
      status: response.status,
      headers: Object.fromEntries(response.headers.entries()),
      body: parsed,
    };
  };
  return {
    request,
    get: (path, options) => request('GET', path, undefined, options),
    post: (path, body, options) => request('POST', path, body, options),
    put: (path, body, options) => request('PUT', path, body, options),
  };
}
