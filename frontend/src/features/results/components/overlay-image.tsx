import type { Side } from "@/lib/schemas";

import { useOverlayObjectUrl } from "../api/get-overlay";

export function OverlayImage({ fittingId, overlayUrl, side }: { fittingId: string; overlayUrl: string; side: Side }) {
  const { objectUrl, error, isLoading } = useOverlayObjectUrl(fittingId, overlayUrl);
  if (error) return <p className="small">The measurement picture could not be loaded.</p>;
  if (isLoading || !objectUrl) return <p className="small">Loading the measurement picture…</p>;
  return (
    <img
      className="overlay"
      src={objectUrl}
      alt={`Your ${side} ear with the measured points and the card outline drawn on it`}
      data-testid={`overlay-image-${side}`}
    />
  );
}
