import { useEffect, useState, type ReactNode } from "react";
import { Link, Outlet, useLocation, useNavigate, useParams } from "react-router";

import { EraseData } from "@/features/erasure/components/erase-data";
import { useFitting } from "@/features/results/api/get-fitting";
import { ApiError } from "@/lib/api-client";
import { StepHeading } from "@/lib/components/step-heading";
import { forgetFitting, saveFittingKey, useSavedFitting } from "@/lib/fitting-keys";
import { usePageTitle } from "@/lib/use-page-title";

import type { HomeState } from "./home-page";

const ERASED_NOTICE = "Your data has been erased: answers, photos, measurements, recommendations and feedback.";

/** A kept link's fragment, `#key=…&until=YYYY-MM-DD`, or null. */
function keyFromFragment(hash: string): { key: string; until: Date } | null {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const key = params.get("key");
  const until = new Date(params.get("until") ?? "");
  if (!key || Number.isNaN(until.getTime()) || until.getTime() <= Date.now()) return null;
  return { key, until };
}

function Missing({ title, children }: { title: string; children: ReactNode }) {
  usePageTitle(title);
  return (
    <section className="step" aria-labelledby="missing-heading">
      <StepHeading id="missing-heading" testId="fitting-missing">
        {title}
      </StepHeading>
      {children}
      <p>
        <Link to="/">Start a new fitting</Link>
      </p>
    </section>
  );
}

/**
 * Every page of one fitting: it needs this device to hold the fitting's key (or a kept link that
 * brings it), and it always offers "Delete my data now".
 */
export function FittingLayout() {
  const fittingId = useParams().fittingId ?? "";
  const { pathname, search, hash } = useLocation();
  const navigate = useNavigate();
  const saved = useSavedFitting(fittingId);
  const hasKey = keyFromFragment(hash) !== null;
  const fitting = useFitting(fittingId, { enabled: saved !== null && !hasKey });

  // A kept link: store its key, then take it out of the address bar and the history.
  useEffect(() => {
    const fromLink = keyFromFragment(hash);
    if (!fromLink) return;
    saveFittingKey({ id: fittingId, accessToken: fromLink.key, expiresAt: fromLink.until });
    navigate({ pathname, search }, { replace: true });
  }, [hash, fittingId, pathname, search, navigate]);

  // Set once the shopper confirms deletion: the key is forgotten before the way home is taken, and
  // "this fitting is not on this device" must not flash (and take focus) in between.
  const [leaving, setLeaving] = useState(false);
  const gone = fitting.error instanceof ApiError && fitting.error.status === 404;
  useEffect(() => {
    if (gone) forgetFitting(fittingId);
  }, [gone, fittingId]);

  if (hasKey || (leaving && !saved)) return null;
  if (gone)
    return (
      <Missing title="This fitting no longer exists">
        <p>Its data was deleted, or it has expired. This device no longer keeps its key.</p>
      </Missing>
    );
  if (!saved)
    return (
      <Missing title="This fitting is not on this device">
        <p>
          Only the browser that started a fitting, or someone with its private link, can open it. If you saved the
          link to your results, open that link instead.
        </p>
      </Missing>
    );

  const erased: HomeState = { notice: ERASED_NOTICE };
  return (
    <>
      <Outlet />
      <aside className="your-data no-print" aria-labelledby="your-data-heading">
        <h2 id="your-data-heading">Your data</h2>
        <p className="small">
          Your answers, photos and results are kept until{" "}
          {new Date(saved.expiresAt).toLocaleDateString(undefined, { day: "numeric", month: "long", year: "numeric" })}, or
          until you delete them.
        </p>
        <EraseData
          key={fittingId}
          fittingId={fittingId}
          onStart={() => setLeaving(true)}
          onErased={() => navigate("/", { replace: true, state: erased })}
        />
      </aside>
    </>
  );
}
