import { useNavigate, useParams } from "react-router";

import { FeedbackForm } from "@/features/feedback/components/feedback-form";
import { KeepResult } from "@/features/keep/components/keep-result";
import { ResultsStep } from "@/features/results/components/results-step";
import { usePageTitle } from "@/lib/use-page-title";

export function ResultsPage() {
  const fittingId = useParams().fittingId ?? "";
  const navigate = useNavigate();
  const base = `/fitting/${encodeURIComponent(fittingId)}`;
  usePageTitle("Results");
  return (
    <ResultsStep
      fittingId={fittingId}
      onAddPhotos={() => navigate(`${base}/photos`)}
      onCompare={(productIds) => navigate(`${base}/compare?products=${productIds.join(",")}`)}
      renderItemExtra={(product) => <FeedbackForm fittingId={fittingId} product={product} />}
      footer={<KeepResult fittingId={fittingId} />}
    />
  );
}
