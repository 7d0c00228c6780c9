import type { ReactNode } from "react";

import { ErrorMessage } from "@/lib/components/error-message";
import { Spinner } from "@/lib/components/spinner";
import { StepHeading } from "@/lib/components/step-heading";
import type { Product } from "@/lib/schemas";

import { useFitting } from "../api/get-fitting";
import { useRecommendation, type Recommendation } from "../api/get-recommendation";

import { percent } from "./format";
import { MeasurementsPanel } from "./measurements-panel";
import { ProductCard } from "./product-card";

const QUESTIONNAIRE_ONLY_NOTICE =
  "These results come from your answers alone, without a usable ear photo, so they are less precise. Add a photo to improve them.";

interface ResultsStepProps {
  fittingId: string;
  onAddPhotos: () => void;
  onStartOver: () => void;
  /** Extra content under each product (the app puts the feedback form here). */
  renderItemExtra?: (product: Product) => ReactNode;
}

function TipSize({ tipSize }: { tipSize: Recommendation["tip_size"] }) {
  return (
    <section className="panel" aria-labelledby="tip-size-heading" data-testid="tip-size">
      <h2 id="tip-size-heading">Your ear-tip size</h2>
      {tipSize.abstained || !tipSize.size ? (
        <p>We cannot suggest a tip size with confidence. {tipSize.reason}</p>
      ) : (
        <p>
          Start with size <strong className="tip-size">{tipSize.size}</strong> (confidence {percent(tipSize.confidence)}).{" "}
          {tipSize.reason}
        </p>
      )}
    </section>
  );
}

/** The ranked products, the tip size to start with, and the measurements behind them. */
export function ResultsStep({ fittingId, onAddPhotos, onStartOver, renderItemExtra }: ResultsStepProps) {
  const recommendation = useRecommendation(fittingId);
  const fitting = useFitting(fittingId);

  let body: ReactNode;
  if (recommendation.isPending) {
    body = <Spinner label="Finding your best fits…" />;
  } else if (recommendation.isError) {
    body = (
      <ErrorMessage error={recommendation.error}>
        <button type="button" className="button" onClick={() => void recommendation.refetch()}>
          Try again
        </button>
        <button type="button" className="button button--secondary" onClick={onStartOver}>
          Start again
        </button>
      </ErrorMessage>
    );
  } else {
    const data = recommendation.data;
    body = (
      <>
        {data.basis === "questionnaire" ? (
          <div className="notice" role="note" data-testid="questionnaire-only-notice">
            <p>{data.notice || QUESTIONNAIRE_ONLY_NOTICE}</p>
          </div>
        ) : data.notice ? (
          <div className="notice" role="note" data-testid="results-notice">
            <p>{data.notice}</p>
          </div>
        ) : null}
        <TipSize tipSize={data.tip_size} />
        <section aria-labelledby="products-heading">
          <h2 id="products-heading">Ranked for your ears</h2>
          {data.items.length === 0 ? (
            <p data-testid="results-empty">No product in our catalog matches your answers yet. Try changing the photos.</p>
          ) : (
            <ol className="products" data-testid="results-list" aria-labelledby="products-heading">
              {data.items.map((item) => (
                <ProductCard key={item.product.id} item={item}>
                  {renderItemExtra?.(item.product)}
                </ProductCard>
              ))}
            </ol>
          )}
        </section>
        {fitting.data ? <MeasurementsPanel fittingId={fittingId} photos={fitting.data.photos} /> : null}
        {fitting.isError ? <ErrorMessage error={fitting.error} testId="measurements-error" /> : null}
        <p className="small">
          Ranking {data.ranking_version}
          {data.model_version ? ` · measurement model ${data.model_version}` : ""}
        </p>
      </>
    );
  }

  return (
    <section className="step" aria-labelledby="results-heading">
      <StepHeading id="results-heading" testId="results-heading">
        Your best fits
      </StepHeading>
      <div aria-busy={recommendation.isPending}>
        {body}
      </div>
      <div className="actions">
        <button type="button" className="button button--secondary" onClick={onAddPhotos} data-testid="results-add-photos">
          Add or retake photos
        </button>
      </div>
    </section>
  );
}
