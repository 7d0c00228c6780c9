import { vi } from "vitest";

/** A request as the stub saw it, for assertions on method, path, headers and JSON body. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: Headers;
  body: unknown;
}

type Handler = (request: RecordedRequest) => Response | Promise<Response>;

export function json(status: number, body: unknown): Response {
  return new Response(status === 204 ? null : JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json" },
  });
}

export function apiError(status: number, message: string, code: string, extra: Record<string, unknown> = {}): Response {
  return json(status, { message, code, extra });
}

/**
 * Replace fetch with a router keyed by "METHOD /path". An unknown route answers 404 in the
 * server's error shape so a missing stub fails loudly in the UI under test.
 */
export function stubFetch(routes: Record<string, Handler>): { calls: RecordedRequest[] } {
  const calls: RecordedRequest[] = [];
  const fetchMock = vi.fn(async (input: RequestInfo | URL, init?: RequestInit) => {
    const raw = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const url = new URL(raw, "http://localhost");
    const method = (init?.method ?? "GET").toUpperCase();
    let body: unknown = init?.body;
    if (typeof body === "string") {
      try {
        body = JSON.parse(body);
      } catch {
        // keep the raw string
      }
    }
    const request: RecordedRequest = { method, path: url.pathname, headers: new Headers(init?.headers), body };
    calls.push(request);
    const handler = routes[`${method} ${url.pathname}`];
    if (!handler) return apiError(404, `No stub for ${method} ${url.pathname}`, "not_found");
    return handler(request);
  });
  vi.stubGlobal("fetch", fetchMock);
  return { calls };
}
