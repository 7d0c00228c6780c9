import { useMutation, useQueryClient } from "@tanstack/react-query";

import { ApiError, apiUpload } from "@/lib/api-client";
import { fittingKeys } from "@/lib/query-client";
import { photoSchema, type Photo, type Side } from "@/lib/schemas";

export const uploadPhotoResponseSchema = photoSchema;

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

/**
 * A 422: the photo cannot be measured. Its `message` is the server's one sentence on the main
 * cause and what to change; `extra.reasons` (codes) are for programs, never shown.
 */
export function isPhotoRejection(error: unknown): error is ApiError {
  return error instanceof ApiError && error.status === 422;
}

/** Uploads a photo; a new photo changes the recommendation, so the fitting's queries go stale. */
export function useUploadPhoto() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: uploadPhoto,
    onSuccess: (_photo, input) => queryClient.invalidateQueries({ queryKey: fittingKeys.all(input.fittingId) }),
  });
}
