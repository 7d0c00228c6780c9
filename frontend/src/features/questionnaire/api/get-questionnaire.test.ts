import { questionnaire } from "@/testing/fixtures";
import { json, stubFetch } from "@/testing/fetch-stub";

import { getQuestionnaire, getQuestionnaireResponseSchema } from "./get-questionnaire";

describe("getQuestionnaire", () => {
  it("parses the active questionnaire with its consent", async () => {
    stubFetch({ "GET /api/v1/questionnaire": () => json(200, questionnaire) });
    await expect(getQuestionnaire()).resolves.toEqual(questionnaire);
  });

  it("rejects an unknown question kind and a missing consent", () => {
    const badKind = { ...questionnaire, questions: [{ ...questionnaire.questions[0], kind: "slider" }] };
    expect(getQuestionnaireResponseSchema.safeParse(badKind).success).toBe(false);
    const withoutConsent: Record<string, unknown> = { ...questionnaire };
    delete withoutConsent["consent"];
    expect(getQuestionnaireResponseSchema.safeParse(withoutConsent).success).toBe(false);
  });
});
