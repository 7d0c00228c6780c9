import { useNavigate, useParams, useSearchParams } from "react-router";

import { CompareView } from "@/features/results/components/compare-view";
import { COMPARE_MAX } from "@/features/results/components/results-step";
import { usePageTitle } from "@/lib/use-page-title";

export function ComparePage() {
  const fittingId = useParams().fittingId ?? "";
  const [params] = useSearchParams();
  const navigate = useNavigate();
  usePageTitle("Compare");
  const productIds = (params.get("products") ?? "")
    .split(",")
    .map(Number)
    .filter((id) => Number.isInteger(id) && id > 0)
    .slice(0, COMPARE_MAX);
  return (
    <CompareView
      fittingId={fittingId}
      productIds={productIds}
      onBack={() => navigate(`/fitting/${encodeURIComponent(fittingId)}/results`)}
    />
  );
}
