import { useMutation, useQueryClient } from "@tanstack/react-query";

import { ApiError, abortUploads, apiRequestNoContent } from "@/lib/api-client";
import { forgetFitting } from "@/lib/fitting-keys";
import { fittingKeys } from "@/lib/query-client";

/**
 * Erase the fitting now. The server answers 204 again for an erased fitting; a 404 means this
 * token no longer names any fitting, so there is nothing left to erase either.
 */
export async function deleteFitting(fittingId: string): Promise<void> {
  // A photo still uploading must not be stored after the erasure we are about to ask for.
  abortUploads();
  try {
    await apiRequestNoContent(`fittings/${encodeURIComponent(fittingId)}`, { method: "DELETE" });
  } catch (error) {
    if (error instanceof ApiError && error.status === 404) return;
    throw error;
  }
}

/** Erases, then forgets the key on this device and every cached answer, photo and recommendation. */
export function useDeleteFitting() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: deleteFitting,
    onSuccess: (_result, fittingId) => {
      forgetFitting(fittingId);
      queryClient.removeQueries({ queryKey: fittingKeys.all(fittingId) });
    },
  });
}
