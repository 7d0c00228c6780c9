import { useEffect, useRef, useState } from "react";

import { ErrorMessage } from "@/lib/components/error-message";

import { useDeleteFitting } from "../api/delete-fitting";

interface EraseDataProps {
  fittingId: string;
  /** The shopper confirmed: the page can stop showing the fitting, which is about to go. */
  onStart?: () => void;
  onErased: () => void;
}

/** "Delete my data now", with a confirmation, on every page of a fitting. */
export function EraseData({ fittingId, onStart, onErased }: EraseDataProps) {
  const erase = useDeleteFitting();
  const [confirming, setConfirming] = useState(false);
  const confirmRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    if (confirming) confirmRef.current?.focus();
  }, [confirming]);

  if (!confirming) {
    return (
      <button type="button" className="button button--danger-outline" onClick={() => setConfirming(true)} data-testid="erase-button">
        Delete my data now
      </button>
    );
  }

  return (
    <div className="erase-confirm" role="group" aria-labelledby="erase-confirm-text" data-testid="erase-confirm-panel">
      <p id="erase-confirm-text">
        Delete your answers, ear photos, measurements, recommendations and feedback now? This cannot be undone.
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
            onStart?.();
            erase.mutateAsync(fittingId).then(onErased, () => undefined);
          }}
          data-testid="erase-confirm"
        >
          {erase.isPending ? "Deleting…" : "Yes, delete my data"}
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
