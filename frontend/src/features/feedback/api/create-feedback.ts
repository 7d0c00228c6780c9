import { useMutation } from "@tanstack/react-query";
import { z } from "zod";

import { apiRequest } from "@/lib/api-client";

export const fitOutcomeSchema = z.enum(["too_loose", "right", "too_tight"]);
export type FitOutcome = z.infer<typeof fitOutcomeSchema>;

export const createFeedbackResponseSchema = z.object({
  id: z.number().int(),
  product_id: z.number().int().optional(),
  fit: fitOutcomeSchema.optional(),
  comfort: z.number().int().min(1).max(5).optional(),
  comment: z.string().optional(),
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
