import { useQuery } from "@tanstack/react-query";
import * as z from "zod/mini";

import { apiRequest } from "@/lib/api-client";
import { fittingKeys } from "@/lib/query-client";
import { productSchema, tipSizeSchema } from "@/lib/schemas";

export const recommendationItemSchema = z.object({
  rank: z.int().check(z.positive()),
  score: z.number().check(z.gte(0), z.lte(1)),
  tip_size: z.nullable(tipSizeSchema),
  // Why this product's tip size differs from the recommended one; "" when it is the same.
  tip_size_note: z.string(),
  reasons: z.array(z.string()),
  product: productSchema,
});
export type RecommendationItem = z.infer<typeof recommendationItemSchema>;

export const getRecommendationResponseSchema = z.object({
  fitting_id: z.string(),
  basis: z.enum(["questionnaire", "measurements"]),
  notice: z.nullable(z.string()),
  ranking_version: z.string(),
  model_version: z.nullable(z.string()),
  tip_size: z.object({
    size: z.nullable(tipSizeSchema),
    confidence: z.number().check(z.gte(0), z.lte(1)),
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
