import { useNavigate, useParams } from "react-router";

import { CaptureStep } from "@/features/capture/components/capture-step";
import { useFitting } from "@/features/results/api/get-fitting";
import { latestMeasuredPhotos } from "@/features/results/components/ear-panel";
import { usePageTitle } from "@/lib/use-page-title";

export function PhotosPage() {
  const fittingId = useParams().fittingId ?? "";
  const navigate = useNavigate();
  const fitting = useFitting(fittingId);
  usePageTitle("Photos");
  return (
    <CaptureStep
      fittingId={fittingId}
      measuredPhotos={fitting.data ? latestMeasuredPhotos(fitting.data.photos) : []}
      onDone={() => navigate(`/fitting/${encodeURIComponent(fittingId)}/results`)}
    />
  );
}
