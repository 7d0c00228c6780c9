import { useCallback, useState } from "react";

import { StepHeading } from "@/lib/components/step-heading";
import type { Side } from "@/lib/schemas";

import { SideCapture } from "./side-capture";

/**
 * Photos of either or both ears. Photos are optional: skipping gives a questionnaire-only
 * recommendation, which the results say plainly.
 */
export function CaptureStep({ fittingId, onDone }: { fittingId: string; onDone: () => void }) {
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

  return (
    <section className="step" aria-labelledby="capture-heading">
      <StepHeading id="capture-heading" testId="capture-heading">
        Photograph your ears
      </StepHeading>
      <ul className="tips">
        <li>Hold a bank card (or any card of that size) flat against your head, right beside your ear.</li>
        <li>Turn the card so its number faces away from the camera.</li>
        <li>Tuck your hair behind your ear and use even, bright light.</li>
        <li>Ask someone to take the photo from the side, straight on, with the whole ear and card in view.</li>
      </ul>
      <p className="small">
        Your photo is shrunk and stripped of location and camera data on this device before it is sent.
      </p>

      <div className="capture-grid">
        {(["left", "right"] as const).map((side) => (
          <SideCapture
            key={side}
            fittingId={fittingId}
            side={side}
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
        {measured.size === 0 ? (
          <button
            type="button"
            className="button button--secondary"
            onClick={onDone}
            disabled={waiting}
            aria-describedby={waiting ? "capture-wait" : undefined}
            data-testid="capture-skip"
          >
            Skip photos — use my answers only
          </button>
        ) : null}
        <button
          type="button"
          className="button"
          onClick={onDone}
          disabled={waiting}
          aria-describedby={waiting ? "capture-wait" : undefined}
          data-testid="capture-continue"
        >
          See my results
        </button>
      </div>
    </section>
  );
}
