import { useEffect, useState } from "react";
import { Link, useLocation, useNavigate } from "react-router";

import { ConsentStep } from "@/features/consent/components/consent-step";
import { SavedFittings } from "@/features/keep/components/saved-fittings";
import { useQuestionnaire } from "@/features/questionnaire/api/get-questionnaire";
import { acceptConsent } from "@/lib/answers-draft";
import { RetryableError } from "@/lib/components/error-message";
import { Spinner } from "@/lib/components/spinner";
import { usePageTitle } from "@/lib/use-page-title";

/** A message handed to the home page by the page before it (after an erasure). */
export interface HomeState {
  notice?: string;
}

/** Welcome and consent; above them, the fittings this browser keeps, to go back to or delete. */
export function HomePage() {
  const questionnaire = useQuestionnaire();
  const navigate = useNavigate();
  const { pathname, state } = useLocation();
  // Shown once: kept here, and taken out of the history entry so a reload does not repeat it.
  const [notice] = useState(() => (state as HomeState | null)?.notice ?? null);
  useEffect(() => {
    if ((state as HomeState | null)?.notice) navigate(pathname, { replace: true, state: null });
  }, [state, pathname, navigate]);
  usePageTitle(null);

  let content;
  if (questionnaire.isPending) content = <Spinner label="Loading…" />;
  else if (questionnaire.isError)
    content = <RetryableError error={questionnaire.error} onRetry={() => void questionnaire.refetch()} />;
  else {
    const consent = questionnaire.data.consent;
    content = (
      <ConsentStep
        consent={consent}
        onAccept={() => {
          acceptConsent(consent.version);
          navigate("/questions/1");
        }}
      />
    );
  }

  return (
    <>
      <div role="status" aria-live="polite" className={notice ? "notice notice--success" : undefined} data-testid="app-notice">
        {notice}
      </div>
      <SavedFittings
        renderLink={(fittingId, children) => (
          <Link to={`/fitting/${encodeURIComponent(fittingId)}/results`} data-testid="saved-fitting-link">
            {children}
          </Link>
        )}
      />
      {content}
    </>
  );
}
