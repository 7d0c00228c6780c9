import { QueryClient } from "@tanstack/react-query";

import { ApiError } from "./api-client";

/** Client errors (4xx) will not succeed on retry; network and 5xx errors get one more try. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 60_000,
        refetchOnWindowFocus: false,
        retry: (failureCount, error) =>
          failureCount < 1 && !(error instanceof ApiError && error.status >= 400 && error.status < 500),
      },
      mutations: { retry: false },
    },
  });
}

export const fittingKeys = {
  all: (fittingId: string) => ["fittings", fittingId] as const,
  detail: (fittingId: string) => ["fittings", fittingId, "detail"] as const,
  recommendation: (fittingId: string) => ["fittings", fittingId, "recommendation"] as const,
  overlay: (fittingId: string, url: string) => ["fittings", fittingId, "overlay", url] as const,
};
