import { useEffect, useRef, useState } from "react";

import { ErrorMessage } from "@/lib/components/error-message";

import { useDeleteFitting } from "../api/delete-fitting";

/** "Erase my data" with a confirmation, available on every step once a fitting exists. */
export function EraseData({ fittingId, onErased }: { fittingId: string; onErased: () => void }) {
  const erase = useDeleteFitting();
  const [confirming, setConfirming] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  if (!confirming) {
    return (
      <button type="button" className="button button--danger-outline" onClick={() => setConfirming(true)} data-testid="erase-button">
        Erase my data
      </button>
    );
  }

  return (
    <div className="erase-confirm" role="group" aria-labelledby="erase-confirm-text" data-testid="erase-confirm-panel">
      <p id="erase-confirm-text">
        Erase your answers, ear photos, measurements and recommendations now? This cannot be undone.
      </p>
      {erase.isError ? <ErrorMessage error={erase.error} /> : null}
      <div className="actions">
        <button
          ref={confirmRef}
          type="button"
          className="button button--danger"
          disabled={erase.isPending}
          onClick={() => {
            // mutateAsync, not mutate's callbacks: erasing ends the session, which unmounts this
            // component before per-call callbacks would run. A failure shows via erase.error.
            erase.mutateAsync(fittingId).then(onErased, () => undefined);
          }}
          data-testid="erase-confirm"
        >
          {erase.isPending ? "Erasing…" : "Yes, erase my data"}
        </button>
        <button
          type="button"
          className="button button--secondary"
          disabled={erase.isPending}
          onClick={() => setConfirming(false)}
          data-testid="erase-cancel"
        >
          Cancel
        </button>
      </div>
    </div>
  );
}
