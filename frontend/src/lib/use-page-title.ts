import { useEffect } from "react";

/** The tab's title names the page too: it is what a screen reader reads first after a navigation. */
export function usePageTitle(label: string | null): void {
  useEffect(() => {
    document.title = label ? `${label} — earfit` : "earfit — find earphones that fit";
  }, [label]);
}
