import { useQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";

import { apiRequestBlob } from "@/lib/api-client";
import { fittingKeys } from "@/lib/query-client";

/** The measurement overlay PNG; it needs the bearer token, so an <img src> cannot load it directly. */
export function getOverlay(overlayUrl: string, signal?: AbortSignal): Promise<Blob> {
  return apiRequestBlob(overlayUrl, { signal });
}

/** An object URL for the overlay, revoked when the image changes or the component goes away. */
export function useOverlayObjectUrl(fittingId: string, overlayUrl: string) {
  const query = useQuery({
    queryKey: fittingKeys.overlay(fittingId, overlayUrl),
    queryFn: ({ signal }) => getOverlay(overlayUrl, signal),
    staleTime: Infinity,
  });
  const [objectUrl, setObjectUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!query.data) return;
    const url = URL.createObjectURL(query.data);
    setObjectUrl(url);
    return () => {
      URL.revokeObjectURL(url);
      setObjectUrl(null);
    };
  }, [query.data]);
  return { objectUrl, error: query.error, isLoading: query.isLoading };
}
