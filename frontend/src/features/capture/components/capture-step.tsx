import { useCallback, useState } from "react";

import { StepHeading } from "@/lib/components/step-heading";
import type { Photo, Side } from "@/lib/schemas";

import { GoodPhotoExample } from "./good-photo-example";
import { SideCapture } from "./side-capture";

interface CaptureStepProps {
  fittingId: string;
  /** Photos already measured (the latest per side), so a reload or Back shows them. */
  measuredPhotos?: Photo[];
  onDone: () => void;
}

/**
 * Photos of either or both ears. Photos are optional: without one the results come from the
 * answers alone, which the one way on says, and the results say again.
 */
export function CaptureStep({ fittingId, measuredPhotos = [], onDone }: CaptureStepProps) {
  const [measured, setMeasured] = useState<Set<Side>>(new Set());
  const [busy, setBusy] = useState<Set<Side>>(new Set());
  const setSideBusy = useCallback((side: Side, isBusy: boolean) => {
    setBusy((current) => {
      if (current.has(side) === isBusy) return current;
      const next = new Set(current);
      if (isBusy) next.add(side);
      else next.delete(side);
      return next;
    });
  }, []);
  const onBusyChange = {
    left: useCallback((isBusy: boolean) => setSideBusy("left", isBusy), [setSideBusy]),
    right: useCallback((isBusy: boolean) => setSideBusy("right", isBusy), [setSideBusy]),
  };
  const waiting = busy.size > 0;
  const earlier = (side: Side) => measuredPhotos.find((photo) => photo.side === side) ?? null;
  const anyMeasured = measured.size > 0 || measuredPhotos.length > 0;

  return (
    <section className="step" aria-labelledby="capture-heading">
      <StepHeading id="capture-heading" testId="capture-heading">
        Photograph your ears
      </StepHeading>
      <div className="capture-intro">
        <ul className="tips">
          <li>Hold a bank card (or any card that size) flat against your cheek, just in front of your ear, number side away.</li>
          <li>Tuck your hair behind your ear and face even, bright light.</li>
          <li>Ask someone to take the photo straight from the side, with the whole ear and the card in view.</li>
        </ul>
        <GoodPhotoExample />
      </div>
      <p className="small">
        Your photo is shrunk and stripped of location and camera data on this device before it is sent.
      </p>

      <div className="capture-grid">
        {(["left", "right"] as const).map((side) => (
          <SideCapture
            key={side}
            fittingId={fittingId}
            side={side}
            measured={earlier(side)}
            onMeasured={() => setMeasured((current) => new Set(current).add(side))}
            onBusyChange={onBusyChange[side]}
          />
        ))}
      </div>

      {waiting ? (
        <p className="small" id="capture-wait">
          Your results will be ready once the photo is measured.
        </p>
      ) : null}
      <div className="actions actions--end">
        <button
          type="button"
          className="button"
          onClick={onDone}
          disabled={waiting}
          aria-describedby={waiting ? "capture-wait" : undefined}
          data-testid="capture-continue"
        >
          {anyMeasured ? "See my results" : "See results from my answers only"}
        </button>
      </div>
    </section>
  );
}
