import { ApiError } from "@/lib/api-client";
import { FITTING_ID, recommendation } from "@/testing/fixtures";
import { json, stubFetch } from "@/testing/fetch-stub";

import { getRecommendation, getRecommendationResponseSchema } from "./get-recommendation";

describe("getRecommendationResponseSchema", () => {
  it("accepts the documented shape", () => {
    expect(getRecommendationResponseSchema.safeParse(recommendation("measurements")).success).toBe(true);
  });

  it.each([
    ["a score above 1", (r: ReturnType<typeof recommendation>) => ({ ...r, items: [{ ...r.items[0], score: 1.4 }] })],
    ["an unknown basis", (r: ReturnType<typeof recommendation>) => ({ ...r, basis: "vibes" })],
    ["a product without an id", (r: ReturnType<typeof recommendation>) => ({
      ...r,
      items: [{ ...r.items[0], product: { ...r.items[0]!.product, id: undefined } }],
    })],
    ["a missing tip_size block", (r: ReturnType<typeof recommendation>) => ({ ...r, tip_size: undefined })],
  ])("rejects %s", (_label, mutate) => {
    expect(getRecommendationResponseSchema.safeParse(mutate(recommendation("measurements"))).success).toBe(false);
  });

  it("turns a malformed response into an ApiError the UI can show", async () => {
    stubFetch({ [`GET /api/v1/fittings/${FITTING_ID}/recommendation`]: () => json(200, { items: "none" }) });
    const failure = getRecommendation(FITTING_ID);
    await expect(failure).rejects.toBeInstanceOf(ApiError);
    await expect(failure).rejects.toMatchObject({ code: "invalid_response" });
  });
});
