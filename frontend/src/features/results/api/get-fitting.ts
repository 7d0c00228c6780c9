import { useQuery } from "@tanstack/react-query";
import * as z from "zod/mini";

import { apiRequest } from "@/lib/api-client";
import { fittingKeys } from "@/lib/query-client";
import { photoSchema } from "@/lib/schemas";

export const getFittingResponseSchema = z.object({
  id: z.string(),
  status: z.string(),
  questionnaire_version: z.int(),
  answers: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  photos: z.array(photoSchema),
});
export type Fitting = z.infer<typeof getFittingResponseSchema>;

export function getFitting(fittingId: string, signal?: AbortSignal): Promise<Fitting> {
  return apiRequest(`fittings/${encodeURIComponent(fittingId)}`, getFittingResponseSchema, { signal });
}

/** The fitting with its photos' quality and measurements. */
export function useFitting(fittingId: string, { enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({
    queryKey: fittingKeys.detail(fittingId),
    queryFn: ({ signal }) => getFitting(fittingId, signal),
    enabled,
  });
}
