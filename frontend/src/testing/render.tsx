import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { render, type RenderResult } from "@testing-library/react";
import type { ReactElement } from "react";
import { MemoryRouter, useLocation, type Location } from "react-router";

export function testQueryClient(): QueryClient {
  return new QueryClient({ defaultOptions: { queries: { retry: false, staleTime: Infinity }, mutations: { retry: false } } });
}

export function renderWithClient(ui: ReactElement, client: QueryClient = testQueryClient()): RenderResult & { client: QueryClient } {
  const result = render(<QueryClientProvider client={client}>{ui}</QueryClientProvider>);
  return { ...result, client };
}

/** The router's location as the app last rendered it, for assertions on the address. */
export const currentLocation: { value: Location | null } = { value: null };

function LocationProbe() {
  currentLocation.value = useLocation();
  return null;
}

/** `ui` inside an in-memory router that starts at `path` (a reload or a deep link to it). */
export function renderAt(path: string, ui: ReactElement, client: QueryClient = testQueryClient()): RenderResult & { client: QueryClient } {
  currentLocation.value = null;
  return renderWithClient(
    <MemoryRouter initialEntries={[path]}>
      <LocationProbe />
      {ui}
    </MemoryRouter>,
    client,
  );
}
