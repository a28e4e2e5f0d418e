/** Calls a running API as a client would: JSON in and out, an optional bearer token. */
export interface ApiAnswer<Body = Record<string, unknown>> {
  readonly status: number;
  readonly type: string;
  readonly headers: Headers;
  readonly body: Body;
}

export function apiClient<Body = Record<string, unknown>>(baseUrl: () => string) {
  return async (method: string, path: string, body?: unknown, token?: string): Promise<ApiAnswer<Body>> => {
    const res = await fetch(`${baseUrl()}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      headers: res.headers,
      body: (text ? JSON.parse(text) : {}) as Body,
    };
  };
}
