import * as z from "zod/mini";

import { ACCESS_TOKEN, FITTING_ID } from "@/testing/fixtures";
import { installFakeXhr } from "@/testing/fake-xhr";
import { apiError, json, stubFetch } from "@/testing/fetch-stub";

import { ApiError, apiRequest, apiRequestNoContent, apiUpload, errorMessage, fieldErrors } from "./api-client";
import { clearFittingSession, startFittingSession } from "./fitting-session";

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

  it("sends the bearer token only while a fitting is active", async () => {
    const { calls } = stubFetch({ "GET /api/v1/questionnaire": () => json(200, { ok: true }) });
    await apiRequest("questionnaire", pingSchema);
    expect(calls[0]?.headers.get("Authorization")).toBeNull();

    startFittingSession(FITTING_ID, ACCESS_TOKEN);
    await apiRequest("questionnaire", pingSchema);
    expect(calls[1]?.headers.get("Authorization")).toBe(`Bearer ${ACCESS_TOKEN}`);

    clearFittingSession();
    await apiRequest("questionnaire", pingSchema);
    expect(calls[2]?.headers.get("Authorization")).toBeNull();
  });

  it("never sends the token to another origin", async () => {
    const { calls } = stubFetch({ "GET /overlay.png": () => json(200, { ok: true }) });
    startFittingSession(FITTING_ID, ACCESS_TOKEN);
    await apiRequest("https://elsewhere.example/overlay.png", pingSchema);
    expect(calls[0]?.headers.get("Authorization")).toBeNull();
    await apiRequest(`${window.location.origin}/overlay.png`, pingSchema);
    expect(calls[1]?.headers.get("Authorization")).toBe(`Bearer ${ACCESS_TOKEN}`);
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
    startFittingSession(FITTING_ID, ACCESS_TOKEN);
    const progress: number[] = [];
    const result = apiUpload("fittings/x/photos", new FormData(), pingSchema, { onProgress: (f) => progress.push(f) });
    const xhr = Xhr.sent[0]!;
    expect(xhr.url).toBe("/api/v1/fittings/x/photos");
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
});
