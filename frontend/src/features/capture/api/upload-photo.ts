import { useMutation, useQueryClient } from "@tanstack/react-query";
import * as z from "zod/mini";

import { ApiError, apiUpload } from "@/lib/api-client";
import { fittingKeys } from "@/lib/query-client";
import { photoSchema, qualityReasonSchema, type Photo, type QualityReason, type Side } from "@/lib/schemas";

export const uploadPhotoResponseSchema = photoSchema;

/** `extra` of a 422 `photo_quality` error: what was wrong and how to retake the photo. */
export const photoQualityExtraSchema = z.object({
  reasons: z.array(qualityReasonSchema),
  guidance: z._default(z.string(), ""),
});

export interface UploadPhotoInput {
  fittingId: string;
  side: Side;
  file: File;
  onProgress?: (fraction: number) => void;
  signal?: AbortSignal;
}

export function uploadPhoto({ fittingId, side, file, onProgress, signal }: UploadPhotoInput): Promise<Photo> {
  const form = new FormData();
  form.append("side", side);
  form.append("image", file, file.name || `${side}.jpg`);
  return apiUpload(`fittings/${encodeURIComponent(fittingId)}/photos`, form, uploadPhotoResponseSchema, {
    onProgress,
    signal,
  });
}

/** The retake guidance carried by a 422, or null for any other error. */
export function photoQualityProblems(error: unknown): { reasons: QualityReason[]; guidance: string } | null {
  if (!(error instanceof ApiError) || (error.code !== "photo_quality" && error.status !== 422)) return null;
  const parsed = photoQualityExtraSchema.safeParse(error.extra);
  return parsed.success ? parsed.data : { reasons: [], guidance: "" };
}

/** Uploads a photo; a new photo changes the recommendation, so the fitting's queries go stale. */
export function useUploadPhoto() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: uploadPhoto,
    onSuccess: (_photo, input) => queryClient.invalidateQueries({ queryKey: fittingKeys.all(input.fittingId) }),
  });
}
