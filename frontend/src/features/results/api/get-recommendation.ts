import { useQuery } from "@tanstack/react-query";
import { z } from "zod";

import { apiRequest } from "@/lib/api-client";
import { fittingKeys } from "@/lib/query-client";
import { productSchema } from "@/lib/schemas";

export const recommendationItemSchema = z.object({
  rank: z.number().int().positive(),
  score: z.number().min(0).max(1),
  tip_size: z.string().nullable(),
  reasons: z.array(z.string()),
  product: productSchema,
});
export type RecommendationItem = z.infer<typeof recommendationItemSchema>;

export const getRecommendationResponseSchema = z.object({
  fitting_id: z.string(),
  basis: z.enum(["questionnaire", "measurements"]),
  notice: z.string().nullable(),
  ranking_version: z.string(),
  model_version: z.string().nullable(),
  tip_size: z.object({
    size: z.enum(["XS", "S", "M", "L", "XL"]).nullable(),
    confidence: z.number().min(0).max(1),
    abstained: z.boolean(),
    reason: z.string(),
  }),
  items: z.array(recommendationItemSchema),
});
export type Recommendation = z.infer<typeof getRecommendationResponseSchema>;

export function getRecommendation(fittingId: string, signal?: AbortSignal): Promise<Recommendation> {
  return apiRequest(`fittings/${encodeURIComponent(fittingId)}/recommendation`, getRecommendationResponseSchema, {
    signal,
  });
}

export function useRecommendation(fittingId: string) {
  return useQuery({
    queryKey: fittingKeys.recommendation(fittingId),
    queryFn: ({ signal }) => getRecommendation(fittingId, signal),
  });
}
