import type { Photo } from "@/lib/schemas";

import { MEASUREMENT_LABEL, formatMeasurement, percent } from "./format";
import { OverlayImage } from "./overlay-image";

/** What was measured on each usable photo, with its uncertainty and the overlay to check it. */
export function MeasurementsPanel({ fittingId, photos }: { fittingId: string; photos: Photo[] }) {
  // The latest passing photo per side is the one the recommendation used.
  const latest = new Map<string, Photo>();
  for (const photo of photos) {
    if (!photo.quality.passed) continue;
    const seen = latest.get(photo.side);
    if (!seen || seen.created_at < photo.created_at) latest.set(photo.side, photo);
  }
  const shown = [...latest.values()].sort((a, b) => a.side.localeCompare(b.side));
  if (shown.length === 0) return null;

  return (
    <section className="panel" aria-labelledby="measurements-heading" data-testid="measurements">
      <h2 id="measurements-heading">Your measurements</h2>
      {shown.map((photo) => (
        <div key={photo.id} className="measurement-photo">
          <h3>{photo.side === "left" ? "Left ear" : "Right ear"}</h3>
          <p className="small">
            Confidence {percent(photo.confidence)}.{" "}
            {photo.scale === "relative"
              ? "No card was found, so these are proportions, not millimetres."
              : "Sizes in millimetres, scaled by the card."}
          </p>
          <table className="measurements">
            <caption className="visually-hidden">Measurements of your {photo.side} ear</caption>
            <thead>
              <tr>
                <th scope="col">Measurement</th>
                <th scope="col">Value</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(photo.measurements).map(([key, measurement]) => (
                <tr key={key} data-testid={`measurement-${photo.side}-${key}`}>
                  <th scope="row">{MEASUREMENT_LABEL[key] ?? key.replace(/_/g, " ")}</th>
                  <td>{formatMeasurement(measurement)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <OverlayImage fittingId={fittingId} overlayUrl={photo.overlay_url} side={photo.side} />
        </div>
      ))}
      <p className="small">
        A photo cannot see inside the ear canal, so the tip size is a starting point: try the next size if the fit
        feels loose or tight.
      </p>
    </section>
  );
}
