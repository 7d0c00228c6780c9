import { useState, type FormEvent } from "react";

import { ErrorMessage } from "@/lib/components/error-message";
import { rememberFeedback, useSavedFitting, type SentFeedback } from "@/lib/fitting-keys";
import type { Product } from "@/lib/schemas";

import { useCreateFeedback, type FitOutcome } from "../api/create-feedback";

const FIT_OPTIONS: [FitOutcome, string][] = [
  ["too_loose", "Too loose"],
  ["right", "Just right"],
  ["too_tight", "Too tight"],
];
const COMFORT_OPTIONS = [1, 2, 3, 4, 5] as const;

function outcomeWords(sent: SentFeedback): string {
  const fit = FIT_OPTIONS.find(([value]) => value === sent.fit)?.[1] ?? sent.fit;
  return `${fit.toLowerCase()}, comfort ${sent.comfort} of 5`;
}

/**
 * After trying a recommended product: did it fit, and how comfortable was it. One answer per
 * product: once sent it is shown, and sending again changes it (the server keeps the latest).
 */
export function FeedbackForm({ fittingId, product }: { fittingId: string; product: Product }) {
  const feedback = useCreateFeedback();
  const sent = useSavedFitting(fittingId)?.feedback[String(product.id)] ?? null;
  const [editing, setEditing] = useState(false);
  const [fit, setFit] = useState<FitOutcome | null>((sent?.fit as FitOutcome | undefined) ?? null);
  const [comfort, setComfort] = useState<number | null>(sent?.comfort ?? null);
  const [comment, setComment] = useState("");
  const [missing, setMissing] = useState<string | null>(null);
  const prefix = `feedback-${product.id}`;
  const name = `${product.brand} ${product.model}`;

  function handleSubmit(event: FormEvent) {
    event.preventDefault();
    if (!fit || !comfort) {
      setMissing(!fit ? "Please tell us how it fitted." : "Please rate the comfort from 1 to 5.");
      return;
    }
    setMissing(null);
    feedback.mutate(
      { fittingId, product_id: product.id, fit, comfort, ...(comment.trim() ? { comment: comment.trim() } : {}) },
      {
        onSuccess: () => {
          rememberFeedback(fittingId, product.id, { fit, comfort });
          setEditing(false);
        },
      },
    );
  }

  if (sent && !editing) {
    return (
      <div className="feedback-sent" data-testid={`${prefix}-sent`}>
        <p className="success" role="status">
          Thank you — you told us the {name} fitted {outcomeWords(sent)}.
        </p>
        <button type="button" className="button button--secondary button--small" onClick={() => setEditing(true)} data-testid={`${prefix}-edit`}>
          Change my answer<span className="visually-hidden"> about the {name}</span>
        </button>
      </div>
    );
  }

  return (
    <details className="feedback no-print" open={editing || undefined}>
      <summary data-testid={`${prefix}-toggle`}>{editing ? `Change your answer about the ${name}` : `Tried the ${name}? Tell us how it fitted`}</summary>
      <form onSubmit={handleSubmit} noValidate data-testid={`${prefix}-form`} aria-label={`Feedback on the ${name}`}>
        <fieldset>
          <legend>How did it fit?</legend>
          <div className="choices choices--inline">
            {FIT_OPTIONS.map(([value, label]) => (
              <label key={value} className="choice">
                <input
                  type="radio"
                  name={`${prefix}-fit`}
                  value={value}
                  checked={fit === value}
                  onChange={() => setFit(value)}
                  data-testid={`${prefix}-fit-${value}`}
                />
                <span>{label}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <fieldset>
          <legend>How comfortable was it? (1 = very uncomfortable, 5 = very comfortable)</legend>
          <div className="choices choices--scale">
            {COMFORT_OPTIONS.map((value) => (
              <label key={value} className="choice">
                <input
                  type="radio"
                  name={`${prefix}-comfort`}
                  value={value}
                  checked={comfort === value}
                  onChange={() => setComfort(value)}
                  data-testid={`${prefix}-comfort-${value}`}
                />
                <span>{value}</span>
              </label>
            ))}
          </div>
        </fieldset>
        <label htmlFor={`${prefix}-comment`}>Anything else? (optional)</label>
        <textarea
          id={`${prefix}-comment`}
          value={comment}
          maxLength={1000}
          rows={3}
          onChange={(event) => setComment(event.target.value)}
        />
        {missing ? (
          <p className="field-error" role="alert">
            {missing}
          </p>
        ) : null}
        {feedback.isError ? <ErrorMessage error={feedback.error} /> : null}
        <div className="actions">
          <button type="submit" className="button" disabled={feedback.isPending} data-testid={`${prefix}-submit`}>
            {feedback.isPending ? "Sending…" : editing ? "Send my new answer" : "Send feedback"}
          </button>
        </div>
      </form>
    </details>
  );
}
