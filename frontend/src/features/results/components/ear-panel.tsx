import type { Photo } from "@/lib/schemas";

import { MEASUREMENT_LABEL, formatMeasurement, percent } from "./format";
import { OverlayImage } from "./overlay-image";

/** The latest passing photo per side: the ones the recommendation used. */
export function latestMeasuredPhotos(photos: Photo[]): Photo[] {
  const latest = new Map<string, Photo>();
  for (const photo of photos) {
    if (!photo.quality.passed) continue;
    const seen = latest.get(photo.side);
    if (!seen || seen.created_at < photo.created_at) latest.set(photo.side, photo);
  }
  return [...latest.values()].sort((a, b) => a.side.localeCompare(b.side));
}

/**
 * Each measured ear: the picture with the lines drawn on it beside a legend that names every
 * line in its colour with its value, so the numbers and what they measure are read together.
 */
export function EarPanel({ fittingId, photos }: { fittingId: string; photos: Photo[] }) {
  const shown = latestMeasuredPhotos(photos);
  if (shown.length === 0) return null;

  return (
    <section className="panel ear-panel" aria-labelledby="measurements-heading" data-testid="measurements">
      <h2 id="measurements-heading">Your ear</h2>
      {shown.map((photo) => (
        <div key={photo.id} className="ear-photo">
          <h3>{photo.side === "left" ? "Left ear" : "Right ear"}</h3>
          <div className="ear-photo__body">
            <OverlayImage fittingId={fittingId} overlayUrl={photo.overlay_url} side={photo.side} />
            <div>
              <p className="small" data-testid={`scale-note-${photo.side}`}>
                {photo.scale === "mm"
                  ? `Sizes in millimetres, scaled by the card beside your ear (confidence ${percent(photo.confidence)}).`
                  : "We could not see the card, so these are your ear's proportions, not sizes in millimetres."}
              </p>
              <table className="measurements legend">
                <caption className="visually-hidden">What the lines on the picture of your {photo.side} ear measure</caption>
                <thead>
                  <tr>
                    <th scope="col">Line</th>
                    <th scope="col">{photo.scale === "mm" ? "Size" : "Proportion"}</th>
                  </tr>
                </thead>
                <tbody>
                  {photo.overlay_legend.map((entry) => (
                    <tr key={entry.name} data-testid={`legend-${photo.side}-${entry.name}`}>
                      <th scope="row">
                        <span className="swatch" style={{ backgroundColor: entry.colour }} aria-hidden="true" />
                        {MEASUREMENT_LABEL[entry.name] ?? entry.label}
                      </th>
                      <td data-testid={`measurement-${photo.side}-${entry.name}`}>
                        {entry.name !== "card"
                          ? formatMeasurement(entry.name, photo)
                          : photo.scale === "mm"
                            ? "the bank card that gives the scale"
                            : "the card we saw, not clear enough to scale by"}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </div>
        </div>
      ))}
      <p className="small">
        A photo cannot see inside the ear canal, so the tip size is a starting point: try the next size if the fit
        feels loose or tight.
      </p>
    </section>
  );
}
