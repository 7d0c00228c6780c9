import { useState } from "react";

import type { Side } from "@/lib/schemas";

import { useOverlayObjectUrl } from "../api/get-overlay";

const ZOOMS = [1, 1.5, 2, 3] as const;

/**
 * The photo with the measured lines and the card outline drawn on it, as large as the column
 * allows, with zoom buttons: the lines are a few pixels wide and a shopper checks them by eye.
 * Zoomed, the picture scrolls inside its frame (keyboard too: the frame is focusable).
 */
export function OverlayImage({ fittingId, overlayUrl, side }: { fittingId: string; overlayUrl: string; side: Side }) {
  const { objectUrl, error, isLoading } = useOverlayObjectUrl(fittingId, overlayUrl);
  const [zoomIndex, setZoomIndex] = useState(0);
  const zoom = ZOOMS[zoomIndex] ?? 1;
  if (error) return <p className="small">The measurement picture could not be loaded.</p>;
  if (isLoading || !objectUrl) return <p className="small">Loading the measurement picture…</p>;
  return (
    <div className="overlay-viewer">
      <div
        className="overlay-viewer__frame"
        tabIndex={zoom > 1 ? 0 : undefined}
        role={zoom > 1 ? "region" : undefined}
        aria-label={zoom > 1 ? `Zoomed picture of your ${side} ear; scroll to move around` : undefined}
        data-testid={`overlay-frame-${side}`}
      >
        <img
          className="overlay"
          src={objectUrl}
          // Set through the CSSOM (React's style prop), which a Content-Security-Policy allows.
          style={{ width: `${zoom * 100}%` }}
          alt={`Your ${side} ear with the measured lines and the card outline drawn on it`}
          data-testid={`overlay-image-${side}`}
        />
      </div>
      <div className="overlay-viewer__controls" role="group" aria-label={`Zoom the picture of your ${side} ear`}>
        <button
          type="button"
          className="button button--secondary button--small"
          onClick={() => setZoomIndex((index) => Math.max(0, index - 1))}
          disabled={zoomIndex === 0}
          data-testid={`overlay-zoom-out-${side}`}
        >
          Zoom out
        </button>
        <span aria-live="polite" data-testid={`overlay-zoom-${side}`}>
          {Math.round(zoom * 100)}%
        </span>
        <button
          type="button"
          className="button button--secondary button--small"
          onClick={() => setZoomIndex((index) => Math.min(ZOOMS.length - 1, index + 1))}
          disabled={zoomIndex === ZOOMS.length - 1}
          data-testid={`overlay-zoom-in-${side}`}
        >
          Zoom in
        </button>
      </div>
    </div>
  );
}
