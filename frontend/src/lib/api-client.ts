// zod/mini: the same validation as classic zod at about a third of the bundle size.
import * as z from "zod/mini";

import { accessTokenForPath } from "./fitting-keys";
import { parseRetryAfter, waitInWords } from "./retry-after";

/**
 * The one API client. Every request goes through here so that every failure reaches the UI the
 * same way: an ApiError whose `message` is the server's own sentence, meant for the shopper.
 */

export const API_BASE = "/api/v1";

export const errorBodySchema = z.object({
  message: z.string(),
  code: z.string(),
  extra: z.nullish(z.record(z.string(), z.unknown())),
});

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly extra: Record<string, unknown>;

  constructor(message: string, { status, code, extra }: { status: number; code: string; extra?: Record<string, unknown> }) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.extra = extra ?? {};
  }
}

export const NETWORK_ERROR_MESSAGE = "We could not reach earfit. Check your connection and try again.";
export const INVALID_RESPONSE_MESSAGE = "earfit sent an answer we could not read. Please try again in a moment.";

function genericMessage(status: number): string {
  if (status === 413) return "That photo is too large. Please choose a smaller one.";
  if (status === 429) return "Too many requests. Please wait a moment and try again.";
  if (status >= 500) return `earfit is having trouble right now (error ${status}). Please try again in a moment.`;
  return `The request failed (error ${status}). Please try again.`;
}

/**
 * When to come back, in words, for a throttled request (429) or a dependency that is down (503):
 * the server's Retry-After, never a count of seconds.
 */
function retryMessage(status: number, retryAfter: string | null): string | null {
  if (status !== 429 && status !== 503) return null;
  const seconds = parseRetryAfter(retryAfter);
  const when = seconds === null ? "in a little while" : waitInWords(seconds);
  if (status === 429) return `You have tried this many times in a short while. Please try again ${when}.`;
  return `earfit cannot reach one of its services just now. Please try again ${when}.`;
}

/** Turn a non-2xx status and its body text into an ApiError, preferring the server's message. */
export function errorFromResponse(status: number, bodyText: string, retryAfter: string | null = null): ApiError {
  let body: unknown = null;
  try {
    body = bodyText ? JSON.parse(bodyText) : null;
  } catch {
    // Not JSON: a proxy, WAF or load balancer answered instead of the API.
  }
  const parsed = errorBodySchema.safeParse(body);
  const retry = retryMessage(status, retryAfter);
  if (parsed.success) {
    return new ApiError(retry ?? parsed.data.message, { status, code: parsed.data.code, extra: parsed.data.extra ?? {} });
  }
  return new ApiError(retry ?? genericMessage(status), { status, code: `http_${status}` });
}

function parseBody<T>(schema: z.ZodMiniType<T>, status: number, bodyText: string): T {
  let body: unknown;
  try {
    body = bodyText ? JSON.parse(bodyText) : undefined;
  } catch {
    throw new ApiError(INVALID_RESPONSE_MESSAGE, { status, code: "invalid_response" });
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success) {
    throw new ApiError(INVALID_RESPONSE_MESSAGE, {
      status,
      code: "invalid_response",
      extra: { issues: parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`) },
    });
  }
  return parsed.data;
}

/**
 * A fitting's token goes only to our own origin, and only with requests about that fitting
 * (`/api/v1/fittings/<id>/…`), even if the server ever hands us an absolute link.
 */
function authHeaders(target: string): Record<string, string> {
  let parsed: URL;
  try {
    parsed = new URL(target, window.location.href);
  } catch {
    return {};
  }
  if (parsed.origin !== window.location.origin) return {};
  const token = accessTokenForPath(parsed.pathname);
  return token ? { Authorization: `Bearer ${token}` } : {};
}

function url(path: string): string {
  // Server-provided links (overlay_url) may already be absolute paths or URLs.
  if (path.startsWith("/") || /^https?:\/\//.test(path)) return path;
  return `${API_BASE}/${path}`;
}

interface SendInit {
  method: string;
  json?: unknown;
  accept?: string;
  signal?: AbortSignal;
}

async function send(path: string, { method, json, accept = "application/json", signal }: SendInit): Promise<Response> {
  const target = url(path);
  const headers: Record<string, string> = { Accept: accept, ...authHeaders(target) };
  let body: string | undefined;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  }
  try {
    return await fetch(target, { method, headers, body, signal });
  } catch (error) {
    if (error instanceof DOMException && error.name === "AbortError") throw error;
    throw new ApiError(NETWORK_ERROR_MESSAGE, { status: 0, code: "network_error" });
  }
}

export interface RequestOptions {
  method?: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  json?: unknown;
  signal?: AbortSignal;
}

/** A JSON request whose response is validated by `schema`. */
export async function apiRequest<T>(path: string, schema: z.ZodMiniType<T>, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, { method: options.method ?? "GET", json: options.json, signal: options.signal });
  const text = await response.text();
  if (!response.ok) throw errorFromResponse(response.status, text, response.headers.get("Retry-After"));
  return parseBody(schema, response.status, text);
}

/** A request whose success has no body we need (204 No Content). */
export async function apiRequestNoContent(path: string, options: RequestOptions = {}): Promise<void> {
  const response = await send(path, { method: options.method ?? "GET", json: options.json, signal: options.signal });
  if (!response.ok) throw errorFromResponse(response.status, await response.text(), response.headers.get("Retry-After"));
}

/** A binary resource (the measurement overlay) fetched with the fitting's bearer token. */
export async function apiRequestBlob(path: string, options: { signal?: AbortSignal } = {}): Promise<Blob> {
  const response = await send(path, { method: "GET", accept: "image/*", signal: options.signal });
  if (!response.ok) throw errorFromResponse(response.status, await response.text(), response.headers.get("Retry-After"));
  return response.blob();
}

export interface UploadOptions {
  /** Fraction 0..1 of the request body sent so far. */
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

const uploadsInFlight = new Set<XMLHttpRequest>();

/** Cancel every upload in flight; erasure calls this before it asks the server to delete. */
export function abortUploads(): void {
  for (const xhr of uploadsInFlight) xhr.abort();
  uploadsInFlight.clear();
}

/**
 * Multipart upload with progress. fetch() cannot report upload progress, so this one call uses
 * XMLHttpRequest; errors are parsed exactly as for every other request.
 */
export function apiUpload<T>(path: string, form: FormData, schema: z.ZodMiniType<T>, options: UploadOptions = {}): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    uploadsInFlight.add(xhr);
    xhr.addEventListener("loadend", () => uploadsInFlight.delete(xhr));
    const target = url(path);
    xhr.open("POST", target);
    xhr.setRequestHeader("Accept", "application/json");
    for (const [name, value] of Object.entries(authHeaders(target))) xhr.setRequestHeader(name, value);
    xhr.upload.onprogress = (event) => {
      if (event.lengthComputable && event.total > 0) options.onProgress?.(event.loaded / event.total);
    };
    xhr.upload.onload = () => options.onProgress?.(1);
    xhr.onload = () => {
      try {
        if (xhr.status < 200 || xhr.status >= 300) throw errorFromResponse(xhr.status, xhr.responseText, xhr.getResponseHeader("Retry-After"));
        resolve(parseBody(schema, xhr.status, xhr.responseText));
      } catch (error) {
        reject(error);
      }
    };
    xhr.onerror = () => reject(new ApiError(NETWORK_ERROR_MESSAGE, { status: 0, code: "network_error" }));
    xhr.onabort = () => reject(new DOMException("Upload cancelled", "AbortError"));
    options.signal?.addEventListener("abort", () => xhr.abort(), { once: true });
    xhr.send(form);
  });
}

/** The shopper-facing sentence for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return "Something went wrong. Please try again.";
}

/** Field messages from a 400 response: `extra.fields` = {field: [messages]}. */
export function fieldErrors(error: unknown): Record<string, string[]> {
  if (!(error instanceof ApiError)) return {};
  const fields = error.extra["fields"];
  if (typeof fields !== "object" || fields === null) return {};
  const result: Record<string, string[]> = {};
  for (const [key, value] of Object.entries(fields)) {
    if (Array.isArray(value)) result[key] = value.filter((m): m is string => typeof m === "string");
    else if (typeof value === "string") result[key] = [value];
  }
  return result;
}
