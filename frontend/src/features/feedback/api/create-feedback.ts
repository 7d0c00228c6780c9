import { useMutation } from "@tanstack/react-query";
import * as z from "zod/mini";

import { apiRequest } from "@/lib/api-client";

export const fitOutcomeSchema = z.enum(["too_loose", "right", "too_tight"]);
export type FitOutcome = z.infer<typeof fitOutcomeSchema>;

export const createFeedbackResponseSchema = z.object({
  id: z.int(),
  product_id: z.optional(z.int()),
  fit: z.optional(fitOutcomeSchema),
  comfort: z.optional(z.int().check(z.gte(1), z.lte(5))),
  comment: z.optional(z.string()),
});
export type CreatedFeedback = z.infer<typeof createFeedbackResponseSchema>;

export interface CreateFeedbackInput {
  fittingId: string;
  product_id: number;
  fit: FitOutcome;
  comfort: number;
  comment?: string;
}

export function createFeedback({ fittingId, ...body }: CreateFeedbackInput): Promise<CreatedFeedback> {
  return apiRequest(`fittings/${encodeURIComponent(fittingId)}/feedback`, createFeedbackResponseSchema, {
    method: "POST",
    json: body,
  });
}

export function useCreateFeedback() {
  return useMutation({ mutationFn: createFeedback });
}
