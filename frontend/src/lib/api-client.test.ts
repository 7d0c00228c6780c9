import * as z from "zod/mini";

import { ACCESS_TOKEN, FITTING_ID, keepTestFitting } from "@/testing/fixtures";
import { installFakeXhr } from "@/testing/fake-xhr";
import { apiError, json, stubFetch } from "@/testing/fetch-stub";

import { ApiError, apiRequest, apiRequestNoContent, apiUpload, errorMessage, fieldErrors } from "./api-client";
import { forgetFitting } from "./fitting-keys";

const pingSchema = z.object({ ok: z.boolean() });

async function caught(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(ApiError);
    return error as ApiError;
  }
  throw new Error("expected the request to fail");
}

describe("apiRequest", () => {
  it("throws the server's message, code and extra from the error shape", async () => {
    stubFetch({
      "POST /api/v1/fittings": () =>
        apiError(400, "Please answer every required question.", "validation_error", {
          fields: { "answers.use": ["This question is required."] },
        }),
    });
    const error = await caught(apiRequest("fittings", pingSchema, { method: "POST", json: {} }));
    expect(error.message).toBe("Please answer every required question.");
    expect(error.code).toBe("validation_error");
    expect(error.status).toBe(400);
    expect(fieldErrors(error)).toEqual({ "answers.use": ["This question is required."] });
    expect(errorMessage(error)).toBe("Please answer every required question.");
  });

  it("gives a readable message when a proxy answers with HTML instead of the error shape", async () => {
    stubFetch({ "GET /api/v1/questionnaire": () => new Response("<html>Bad gateway</html>", { status: 502 }) });
    const error = await caught(apiRequest("questionnaire", pingSchema));
    expect(error.code).toBe("http_502");
    expect(error.message).toMatch(/try again/i);
    expect(error.message).not.toContain("<html>");
  });

  it("rejects a 200 response that does not match the schema", async () => {
    stubFetch({ "GET /api/v1/questionnaire": () => json(200, { ok: "yes" }) });
    const error = await caught(apiRequest("questionnaire", pingSchema));
    expect(error.code).toBe("invalid_response");
    expect(error.extra["issues"]).toEqual([expect.stringContaining("ok")]);
  });

  it("reports a network failure as an ApiError", async () => {
    vi.stubGlobal("fetch", vi.fn().mockRejectedValue(new TypeError("Failed to fetch")));
    const error = await caught(apiRequest("questionnaire", pingSchema));
    expect(error.code).toBe("network_error");
    expect(error.status).toBe(0);
  });

  it("sends a fitting's token only with requests about that fitting, while this device keeps its key", async () => {
    const other = "0b7a9c1e-0000-4000-8000-00000000beef";
    const { calls } = stubFetch({
      "GET /api/v1/questionnaire": () => json(200, { ok: true }),
      [`GET /api/v1/fittings/${FITTING_ID}`]: () => json(200, { ok: true }),
      [`GET /api/v1/fittings/${other}`]: () => json(200, { ok: true }),
    });
    keepTestFitting();
    keepTestFitting(other, "tok_other");
    await apiRequest("questionnaire", pingSchema);
    await apiRequest(`fittings/${FITTING_ID}`, pingSchema);
    await apiRequest(`fittings/${other}`, pingSchema);
    expect(calls.map((call) => call.headers.get("Authorization"))).toEqual([null, `Bearer ${ACCESS_TOKEN}`, "Bearer tok_other"]);

    forgetFitting(FITTING_ID);
    await apiRequest(`fittings/${FITTING_ID}`, pingSchema);
    expect(calls[3]?.headers.get("Authorization")).toBeNull();
  });

  it("never sends the token to another origin", async () => {
    const overlay = `/api/v1/fittings/${FITTING_ID}/photos/p/overlay`;
    const { calls } = stubFetch({ [`GET ${overlay}`]: () => json(200, { ok: true }) });
    keepTestFitting();
    await apiRequest(`https://elsewhere.example${overlay}`, pingSchema);
    expect(calls[0]?.headers.get("Authorization")).toBeNull();
    await apiRequest(`${window.location.origin}${overlay}`, pingSchema);
    expect(calls[1]?.headers.get("Authorization")).toBe(`Bearer ${ACCESS_TOKEN}`);
  });

  it.each([
    [429, "2717", "You have tried this many times in a short while. Please try again in about 45 minutes."],
    [429, null, "You have tried this many times in a short while. Please try again in a little while."],
    [503, "30", "earfit cannot reach one of its services just now. Please try again in about 30 seconds."],
  ])("puts a %i's Retry-After (%s) in words, never in seconds", async (status, retryAfter, message) => {
    stubFetch({
      "GET /api/v1/questionnaire": () =>
        new Response(JSON.stringify({ message: "Too many requests. Please wait 2717 seconds and try again.", code: "throttled", extra: {} }), {
          status,
          headers: { "Content-Type": "application/json", ...(retryAfter ? { "Retry-After": retryAfter } : {}) },
        }),
    });
    const error = await caught(apiRequest("questionnaire", pingSchema));
    expect(error.message).toBe(message);
    expect(error.code).toBe("throttled");
  });

  it("sends JSON bodies with a JSON content type", async () => {
    const { calls } = stubFetch({ "POST /api/v1/fittings": () => json(201, { ok: true }) });
    await apiRequest("fittings", pingSchema, { method: "POST", json: { a: 1 } });
    expect(calls[0]?.headers.get("Content-Type")).toBe("application/json");
    expect(calls[0]?.body).toEqual({ a: 1 });
  });

  it("accepts 204 with no body for no-content requests", async () => {
    stubFetch({ [`DELETE /api/v1/fittings/${FITTING_ID}`]: () => json(204, null) });
    await expect(apiRequestNoContent(`fittings/${FITTING_ID}`, { method: "DELETE" })).resolves.toBeUndefined();
  });
});

describe("apiUpload", () => {
  it("reports progress, sends the bearer token and parses the 201 body", async () => {
    const Xhr = installFakeXhr();
    keepTestFitting();
    const progress: number[] = [];
    const result = apiUpload(`fittings/${FITTING_ID}/photos`, new FormData(), pingSchema, { onProgress: (f) => progress.push(f) });
    const xhr = Xhr.sent[0]!;
    expect(xhr.url).toBe(`/api/v1/fittings/${FITTING_ID}/photos`);
    expect(xhr.headers["Authorization"]).toBe(`Bearer ${ACCESS_TOKEN}`);
    xhr.progress(50, 200);
    xhr.finishUpload();
    xhr.respond(201, { ok: true });
    await expect(result).resolves.toEqual({ ok: true });
    expect(progress).toEqual([0.25, 1]);
  });

  it("throws the server's message for an upload error", async () => {
    const Xhr = installFakeXhr();
    const result = apiUpload("fittings/x/photos", new FormData(), pingSchema);
    Xhr.sent[0]!.respond(415, { message: "That file is not a photo we can read.", code: "unsupported_media_type", extra: {} });
    const error = await caught(result);
    expect(error.message).toBe("That file is not a photo we can read.");
    expect(error.status).toBe(415);
  });

  it("reads an upload's Retry-After too", async () => {
    const Xhr = installFakeXhr();
    const result = apiUpload("fittings/x/photos", new FormData(), pingSchema);
    Xhr.sent[0]!.respond(429, { message: "Please wait 3600 seconds.", code: "throttled", extra: {} }, { "Retry-After": "3600" });
    expect((await caught(result)).message).toBe("You have tried this many times in a short while. Please try again in about an hour.");
  });
});
