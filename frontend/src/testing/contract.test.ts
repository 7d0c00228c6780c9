/**
 * The client's side of the API contract. frontend/openapi.json is the server's schema, kept
 * equal to the server by tests/earfit/test_openapi_snapshot.py; this test checks that every call
 * the client makes exists there, that every zod response schema reads the server's response, and
 * that every body the client sends is one the server accepts. If the server changes its contract,
 * the snapshot changes and this test says which client schema no longer fits.
 */
import { errorBodySchema } from "@/lib/api-client";
import { formFactorSchema, photoSchema, scaleSchema, sideSchema, tipSizeSchema, unitSchema, type Answers } from "@/lib/schemas";
import { deleteFitting } from "@/features/erasure/api/delete-fitting";
import { createFeedback, createFeedbackResponseSchema, fitOutcomeSchema, type CreateFeedbackInput } from "@/features/feedback/api/create-feedback";
import { uploadPhoto, uploadPhotoResponseSchema, type UploadPhotoInput } from "@/features/capture/api/upload-photo";
import { createFitting, createFittingResponseSchema, type CreateFittingInput } from "@/features/questionnaire/api/create-fitting";
import { getQuestionnaire, getQuestionnaireResponseSchema } from "@/features/questionnaire/api/get-questionnaire";
import { getFitting, getFittingResponseSchema } from "@/features/results/api/get-fitting";
import { getOverlay } from "@/features/results/api/get-overlay";
import { getRecommendation, getRecommendationResponseSchema } from "@/features/results/api/get-recommendation";

import { checkBody, closedValues, compareResponse, findOperation, loadOpenApi, resolve, type Operation, type ZodLike } from "./contract";
import { installFakeXhr } from "./fake-xhr";
import { stubFetch } from "./fetch-stub";
import { FITTING_ID, photo } from "./fixtures";

const api = loadOpenApi();

/**
 * Where the server's schema says less than the server does; each is a fix for the server (see
 * the entry's reason). The test fails when one of these goes away, so the list stays true: delete
 * the line once the server's schema is fixed and the snapshot regenerated.
 */
// Where the server's schema says less than the client needs. Empty: a gap fails the test.
const KNOWN_SERVER_GAPS: string[] = [];

interface Sent {
  method: string;
  path: string;
  contentType: string;
  body: unknown;
}

/** Makes the call against stubbed fetch and XMLHttpRequest and returns the request it sent. */
async function send(call: () => Promise<unknown>): Promise<Sent> {
  const { calls } = stubFetch({});
  const xhr = installFakeXhr();
  const pending = call().catch(() => undefined);
  xhr.sent[0]?.respond(404, { message: "stub", code: "not_found", extra: {} });
  await pending;
  const upload = xhr.sent[0];
  if (upload) {
    const form = upload.body as FormData;
    return { method: upload.method, path: upload.url, contentType: "multipart/form-data", body: Object.fromEntries(form.entries()) };
  }
  const request = calls[0];
  if (!request) throw new Error("the call sent no request");
  return { method: request.method, path: request.path, contentType: "application/json", body: request.body };
}

async function operationOf(call: () => Promise<unknown>): Promise<{ sent: Sent; operation: Operation }> {
  const sent = await send(call);
  const operation = findOperation(api, sent.method, sent.path);
  if (!operation) throw new Error(`${sent.method} ${sent.path} is not in openapi.json`);
  return { sent, operation };
}

function successSchema(operation: Operation) {
  const [, response] = Object.entries(operation.responses).find(([status]) => status.startsWith("2"))!;
  return response.content?.["application/json"]?.schema;
}

const gapsOf = (component: string) => KNOWN_SERVER_GAPS.filter((gap) => gap.startsWith(`${component}.`));

const file = new File(["jpeg"], "left.jpg", { type: "image/jpeg" });

// Request inputs: `Required<>` lists every field the client can send, `Minimal<>` only the ones it
// always sends; the compiler keeps both in step with the input types.
type RequiredKeys<T> = { [K in keyof T]-?: object extends Pick<T, K> ? never : K }[keyof T];
type Minimal<T> = Pick<T, RequiredKeys<T>>;
// Answers to questionnaire version 1 and its consent version, which the server's schema documents exactly.
const answers: Answers = { uses: ["commute", "calls"], form_factor: "in_ear", noise_cancelling: "must", wireless: "wireless", budget: "150_300", glasses: false };
const fittingInput: Required<CreateFittingInput> = { questionnaire_version: 1, answers, consent: { version: "2026-11-01", accepted: true } };
const fittingInputMinimal: Minimal<CreateFittingInput> = { ...fittingInput };
const feedbackInput: Required<CreateFeedbackInput> = { fittingId: FITTING_ID, product_id: 7, fit: "right", comfort: 4, comment: "Snug." };
const feedbackInputMinimal: Minimal<CreateFeedbackInput> = { fittingId: FITTING_ID, product_id: 7, fit: "too_tight", comfort: 1 };
const uploadInputMinimal: Minimal<UploadPhotoInput> = { fittingId: FITTING_ID, side: "right", file };

// The explicit map: client call → client zod schema → the server's response component.
const responses: { name: string; call: () => Promise<unknown>; schema: ZodLike; component: string }[] = [
  { name: "getQuestionnaire", call: () => getQuestionnaire(), schema: getQuestionnaireResponseSchema, component: "Questionnaire" },
  { name: "createFitting", call: () => createFitting(fittingInput), schema: createFittingResponseSchema, component: "FittingCreated" },
  { name: "getFitting", call: () => getFitting(FITTING_ID), schema: getFittingResponseSchema, component: "Fitting" },
  { name: "uploadPhoto", call: () => uploadPhoto(uploadInputMinimal), schema: uploadPhotoResponseSchema, component: "EarPhoto" },
  { name: "getRecommendation", call: () => getRecommendation(FITTING_ID), schema: getRecommendationResponseSchema, component: "Recommendation" },
  { name: "createFeedback", call: () => createFeedback(feedbackInput), schema: createFeedbackResponseSchema, component: "FitFeedback" },
];

// Bodies the client sends → the server's request component.
const requests: { name: string; call: () => Promise<unknown>; component: string }[] = [
  { name: "createFitting", call: () => createFitting(fittingInput), component: "FittingCreateInputRequest" },
  { name: "createFitting (required fields only)", call: () => createFitting(fittingInputMinimal), component: "FittingCreateInputRequest" },
  { name: "createFeedback", call: () => createFeedback(feedbackInput), component: "FitFeedbackInputRequest" },
  { name: "createFeedback (required fields only)", call: () => createFeedback(feedbackInputMinimal), component: "FitFeedbackInputRequest" },
  { name: "uploadPhoto", call: () => uploadPhoto(uploadInputMinimal), component: "EarPhotoUploadRequest" },
];

describe("the client's zod schemas against openapi.json", () => {
  it.each(responses)("$name reads the server's $component", async ({ call, schema, component }) => {
    const { operation } = await operationOf(call);
    expect(successSchema(operation)?.$ref).toBe(`#/components/schemas/${component}`);
    expect(compareResponse(api, schema, { $ref: `#/components/schemas/${component}` }, component).sort()).toEqual(gapsOf(component).sort());
  });

  it.each(requests)("$name sends a body the server's $component accepts", async ({ call, component }) => {
    const { sent, operation } = await operationOf(call);
    const schema = operation.requestBody?.content[sent.contentType]?.schema;
    expect(schema?.$ref).toBe(`#/components/schemas/${component}`);
    expect(checkBody(api, sent.body, schema!, component)).toEqual([]);
  });

  it.each([
    ["the feedback's fit", fitOutcomeSchema, "FitFeedbackInputRequest", "fit"],
    ["the photo's side", sideSchema, "EarPhotoUploadRequest", "side"],
    ["a photo's side", photoSchema._zod.def.shape.side, "EarPhoto", "side"],
    ["a photo's scale", scaleSchema, "EarPhoto", "scale"],
    ["a measurement's unit", unitSchema, "Measurement", "unit"],
    ["a product's form factor", formFactorSchema, "Product", "form_factor"],
    ["a recommendation's tip size", tipSizeSchema, "TipSize", "size"],
  ])("%s offers exactly the server's choices", (_name, schema, component, property) => {
    const server = resolve(api, api.components.schemas[component]!.properties![property]!);
    expect(closedValues(schema)).toEqual(server.enum);
  });

  it("reads the server's error shape, which every failure of every call the client makes uses", async () => {
    expect(compareResponse(api, errorBodySchema, { $ref: "#/components/schemas/Error" }, "Error")).toEqual([]);
    const calls = [...responses.map(({ call }) => call), () => deleteFitting(FITTING_ID), () => getOverlay(photo.overlay_url)];
    for (const call of calls) {
      const { sent, operation } = await operationOf(call);
      for (const [status, response] of Object.entries(operation.responses)) {
        if (status.startsWith("2")) continue;
        // The Error component, or one that refines it (a 422's enumerated reason codes) and that the
        // client's error schema reads the same way.
        const schema = response.content?.["application/json"]?.schema;
        const call = `${sent.method} ${sent.path} ${status}`;
        expect({ call, documented: schema?.$ref !== undefined }).toEqual({ call, documented: true });
        expect(compareResponse(api, errorBodySchema, schema!, `${call} ${schema!.$ref}`)).toEqual([]);
      }
    }
  });

  it("erases with a DELETE the server answers with 204, and fetches overlays as the server's PNG", async () => {
    const erase = await operationOf(() => deleteFitting(FITTING_ID));
    expect(erase.operation.operationId).toBe("fitting_erase");
    expect(erase.operation.responses["204"]).toBeDefined();
    const overlay = await operationOf(() => getOverlay(photo.overlay_url));
    expect(Object.keys(overlay.operation.responses["200"]?.content ?? {})).toEqual(["image/png"]);
  });
});
