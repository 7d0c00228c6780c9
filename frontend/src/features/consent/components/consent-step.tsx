import { useState, type FormEvent } from "react";

import { StepHeading } from "@/lib/components/step-heading";
import type { Consent } from "@/lib/schemas";

interface ConsentStepProps {
  consent: Consent;
  /** The shopper ticked the box and pressed Continue. */
  onAccept: () => void;
}

/**
 * Welcome and consent, shown before any photo is taken. The box is never pre-ticked and the
 * shopper cannot continue without ticking it; the text, purpose and retention come from the
 * server so they match the consent version recorded with the fitting.
 */
export function ConsentStep({ consent, onAccept }: ConsentStepProps) {
  const [accepted, setAccepted] = useState(false);
  const [showError, setShowError] = useState(false);

  function handleSubmit(event: FormEvent) {
    event.preventDefault();
    if (!accepted) {
      setShowError(true);
      return;
    }
    onAccept();
  }

  return (
    <section className="step" aria-labelledby="consent-heading">
      <StepHeading id="consent-heading" testId="consent-heading">
        Find earphones that fit your ears
      </StepHeading>
      <p className="lead">
        Answer a few questions, photograph your ear with a bank card beside it for scale, and we will rank headsets
        and earphones by how well they should fit — with the ear-tip size to start with.
      </p>
      <ol className="how-it-works">
        <li>Tell us how you listen.</li>
        <li>Photograph your left and/or right ear with a card held flat beside it (or skip the photos).</li>
        <li>See your best fits, and erase your data whenever you like.</li>
      </ol>

      <form onSubmit={handleSubmit} noValidate className="consent">
        <h2>Before we start</h2>
        <div className="consent__text" data-testid="consent-text">
          <p>{consent.text}</p>
          <h3>Why we ask</h3>
          <p data-testid="consent-purpose">{consent.purpose}</p>
          <h3>How long we keep it</h3>
          <p data-testid="consent-retention">{consent.retention_statement}</p>
        </div>
        <div className="checkbox-row">
          <input
            id="consent-checkbox"
            type="checkbox"
            checked={accepted}
            onChange={(event) => {
              setAccepted(event.target.checked);
              if (event.target.checked) setShowError(false);
            }}
            aria-describedby={showError ? "consent-error" : undefined}
            aria-invalid={showError ? true : undefined}
            data-testid="consent-checkbox"
          />
          <label htmlFor="consent-checkbox">
            I have read the above and agree that earfit may process my answers and ear photos for this purpose.
          </label>
        </div>
        {showError ? (
          <p id="consent-error" className="field-error" role="alert" data-testid="consent-error">
            Please tick the box to agree before you continue.
          </p>
        ) : null}
        <p className="small">Consent version {consent.version}. You can erase your data at any time.</p>
        <div className="actions">
          <button type="submit" className="button" data-testid="consent-continue">
            Continue
          </button>
        </div>
      </form>
    </section>
  );
}
