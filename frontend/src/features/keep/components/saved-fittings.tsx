import type { ReactNode } from "react";

import { useSavedFittings } from "@/lib/fitting-keys";

function day(iso: string): string {
  return new Date(iso).toLocaleDateString(undefined, { day: "numeric", month: "long", year: "numeric" });
}

/**
 * The fittings this browser holds a key for: the way back to one's results, and to deleting
 * them, after the browser was closed. `renderLink` makes the app's link to a fitting's results.
 */
export function SavedFittings({ renderLink }: { renderLink: (fittingId: string, children: ReactNode) => ReactNode }) {
  const saved = useSavedFittings();
  if (saved.length === 0) return null;
  return (
    <section className="panel" aria-labelledby="saved-heading" data-testid="saved-fittings">
      <h2 id="saved-heading">{saved.length === 1 ? "Your fitting" : "Your fittings"}</h2>
      <ul className="saved-fittings">
        {saved.map((fitting) => (
          <li key={fitting.id} data-testid="saved-fitting">
            {renderLink(fitting.id, `Your results from ${day(fitting.createdAt)}`)}
            <span className="small"> — kept on this device until {day(fitting.expiresAt)}; you can delete them there.</span>
          </li>
        ))}
      </ul>
    </section>
  );
}
