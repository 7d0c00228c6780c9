import { useMutation } from "@tanstack/react-query";
import * as z from "zod/mini";

import { apiRequest } from "@/lib/api-client";
import { retentionEnd, saveFittingKey } from "@/lib/fitting-keys";
import type { Answers } from "@/lib/schemas";

export const createFittingResponseSchema = z.object({
  id: z.string().check(z.minLength(1)),
  access_token: z.string().check(z.minLength(1)),
  status: z.string(),
  created_at: z.string(),
});
export type CreatedFitting = z.infer<typeof createFittingResponseSchema>;

export interface CreateFittingInput {
  questionnaire_version: number;
  answers: Answers;
  consent: { version: string; accepted: true };
}

export function createFitting(input: CreateFittingInput): Promise<CreatedFitting> {
  return apiRequest("fittings", createFittingResponseSchema, { method: "POST", json: input });
}

/**
 * Creates the fitting and keeps its key on this device for as long as its data is kept
 * (`retentionDays`, from the consent the shopper accepted), so later calls carry its token.
 */
export function useCreateFitting({ retentionDays }: { retentionDays: number }) {
  return useMutation({
    mutationFn: createFitting,
    onSuccess: (fitting) => {
      const createdAt = new Date(fitting.created_at);
      saveFittingKey({
        id: fitting.id,
        accessToken: fitting.access_token,
        createdAt,
        expiresAt: retentionEnd(createdAt, retentionDays),
      });
    },
  });
}
