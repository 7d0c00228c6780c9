import { useMutation } from "@tanstack/react-query";
import * as z from "zod/mini";

import { apiRequest } from "@/lib/api-client";
import { startFittingSession } from "@/lib/fitting-session";
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

/** Creates the fitting and makes it the active one, so later calls carry its bearer token. */
export function useCreateFitting() {
  return useMutation({
    mutationFn: createFitting,
    onSuccess: (fitting) => startFittingSession(fitting.id, fitting.access_token),
  });
}
