import { useId, useState } from "react";

import { useSavedFitting } from "@/lib/fitting-keys";

/**
 * The link that opens these results on any device: the fitting's key rides in the fragment
 * (`#key=…`), which browsers never send to a server, so it stays out of every log on the way.
 */
export function resultsLink(origin: string, fittingId: string, accessToken: string, expiresAt: string): string {
  const fragment = new URLSearchParams({ key: accessToken, until: expiresAt.slice(0, 10) });
  return `${origin}/fitting/${encodeURIComponent(fittingId)}/results#${fragment.toString()}`;
}

/** Ways to keep the result: print it (or save it as a PDF), or keep a private link to it. */
export function KeepResult({ fittingId }: { fittingId: string }) {
  const saved = useSavedFitting(fittingId);
  const [copied, setCopied] = useState<"yes" | "no" | null>(null);
  const linkId = useId();
  if (!saved) return null;
  const link = resultsLink(window.location.origin, fittingId, saved.accessToken, saved.expiresAt);
  const until = new Date(saved.expiresAt).toLocaleDateString(undefined, { day: "numeric", month: "long", year: "numeric" });

  async function copy() {
    try {
      await navigator.clipboard.writeText(link);
      setCopied("yes");
    } catch {
      setCopied("no");
    }
  }

  return (
    <section className="panel keep no-print" aria-labelledby="keep-heading" data-testid="keep-result">
      <h2 id="keep-heading">Keep your results</h2>
      <p>
        This browser keeps your results until {until}. To keep them elsewhere, print them or save the private link
        below. Anyone with the link can see your results and delete them, so keep it to yourself.
      </p>
      <div className="actions">
        <button type="button" className="button button--secondary" onClick={() => window.print()} data-testid="keep-print">
          Print or save as PDF
        </button>
        <button type="button" className="button button--secondary" onClick={() => void copy()} data-testid="keep-copy">
          Copy the private link
        </button>
      </div>
      <label htmlFor={linkId} className="small">
        Your private link
      </label>
      <input id={linkId} className="keep__link" type="text" readOnly value={link} data-testid="keep-link" />
      <p role="status" className="small">
        {copied === "yes" ? "Link copied." : copied === "no" ? "Your browser did not let us copy it: select the link above and copy it." : ""}
      </p>
    </section>
  );
}
