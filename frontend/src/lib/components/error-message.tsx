import type { ReactNode } from "react";

import { errorMessage } from "../api-client";

/** Shows the server's `message` for a failed request, announced at once (role="alert"). */
export function ErrorMessage({ error, children, testId = "error-message" }: { error: unknown; children?: ReactNode; testId?: string }) {
  return (
    <div className="error" role="alert" data-testid={testId}>
      <p>{errorMessage(error)}</p>
      {children ? <div className="actions">{children}</div> : null}
    </div>
  );
}

/** A failed load with its one way forward: ask again. */
export function RetryableError({ error, onRetry }: { error: unknown; onRetry: () => void }) {
  return (
    <ErrorMessage error={error}>
      <button type="button" className="button" onClick={onRetry}>
        Try again
      </button>
    </ErrorMessage>
  );
}
