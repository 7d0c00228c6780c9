import { useQuery } from "@tanstack/react-query";

import { apiRequest } from "@/lib/api-client";
import { questionnaireSchema, type Questionnaire } from "@/lib/schemas";

export const getQuestionnaireResponseSchema = questionnaireSchema;

export function getQuestionnaire(signal?: AbortSignal): Promise<Questionnaire> {
  return apiRequest("questionnaire", getQuestionnaireResponseSchema, { signal });
}

/** The active questionnaire and the consent text that goes with it. */
export function useQuestionnaire() {
  return useQuery({
    queryKey: ["questionnaire"],
    queryFn: ({ signal }) => getQuestionnaire(signal),
    // One version is active for a whole fitting; do not swap questions under the shopper.
    staleTime: Infinity,
  });
}
