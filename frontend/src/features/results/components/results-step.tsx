import { useState, type ReactNode } from "react";

import { ErrorMessage, RetryableError } from "@/lib/components/error-message";
import { Spinner } from "@/lib/components/spinner";
import { StepHeading } from "@/lib/components/step-heading";
import type { Product } from "@/lib/schemas";

import { useFitting } from "../api/get-fitting";
import { useRecommendation, type Recommendation } from "../api/get-recommendation";

import { EarPanel } from "./ear-panel";
import { percent } from "./format";
import { ProductCard } from "./product-card";

const QUESTIONNAIRE_ONLY_NOTICE =
  "These results come from your answers alone, without a usable ear photo, so they are less precise. Add a photo to improve them.";
export const COMPARE_MAX = 3;

interface ResultsStepProps {
  fittingId: string;
  onAddPhotos: () => void;
  onCompare: (productIds: number[]) => void;
  /** Extra content under each product (the app puts the feedback form here). */
  renderItemExtra?: (product: Product) => ReactNode;
  /** After the list (the app puts the ways to keep the result here). */
  footer?: ReactNode;
}

function TipSize({ tipSize }: { tipSize: Recommendation["tip_size"] }) {
  return (
    <section className="panel" aria-labelledby="tip-size-heading" data-testid="tip-size">
      <h2 id="tip-size-heading">Your ear-tip size</h2>
      {tipSize.abstained || !tipSize.size ? (
        <p>We could not estimate your ear-tip size. {tipSize.reason}</p>
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
export function ResultsStep({ fittingId, onAddPhotos, onCompare, renderItemExtra, footer }: ResultsStepProps) {
  const recommendation = useRecommendation(fittingId);
  const fitting = useFitting(fittingId);
  const [chosen, setChosen] = useState<number[]>([]);

  function choose(productId: number, checked: boolean) {
    setChosen((current) => (checked ? [...current, productId].slice(0, COMPARE_MAX) : current.filter((id) => id !== productId)));
  }

  let body: ReactNode;
  if (recommendation.isPending) {
    body = <Spinner label="Finding your best fits…" />;
  } else if (recommendation.isError) {
    body = <RetryableError error={recommendation.error} onRetry={() => void recommendation.refetch()} />;
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
        <div className="results-layout">
          <div className="results-layout__aside">
            <TipSize tipSize={data.tip_size} />
            {fitting.data ? <EarPanel fittingId={fittingId} photos={fitting.data.photos} /> : null}
            {fitting.isError ? <ErrorMessage error={fitting.error} testId="measurements-error" /> : null}
          </div>
          <section className="results-layout__main" aria-labelledby="products-heading">
            <h2 id="products-heading">Ranked for your ears</h2>
            {data.items.length === 0 ? (
              <p data-testid="results-empty">No product in our catalog matches your answers yet.</p>
            ) : (
              <ol className="products" data-testid="results-list" aria-labelledby="products-heading">
                {data.items.map((item) => (
                  <ProductCard
                    key={item.product.id}
                    item={item}
                    compare={{
                      checked: chosen.includes(item.product.id),
                      disabled: !chosen.includes(item.product.id) && chosen.length >= COMPARE_MAX,
                      onChange: (checked) => choose(item.product.id, checked),
                    }}
                  >
                    {renderItemExtra?.(item.product)}
                  </ProductCard>
                ))}
              </ol>
            )}
          </section>
        </div>
        {data.items.length > 1 ? (
          <div className="compare-bar" data-testid="compare-bar">
            <p className="small" aria-live="polite">
              {chosen.length < 2
                ? `Tick two or three products to compare them side by side (${chosen.length} chosen).`
                : `${chosen.length} products chosen.`}
            </p>
            <button
              type="button"
              className="button"
              disabled={chosen.length < 2}
              onClick={() => onCompare(chosen)}
              data-testid="compare-open"
            >
              Compare
            </button>
          </div>
        ) : null}
        {footer}
        <p className="small">
          Ranking {data.ranking_version}
          {data.model_version ? ` · measurement model ${data.model_version}` : ""}
        </p>
      </>
    );
  }

  return (
    <section className="step step--wide" aria-labelledby="results-heading">
      <StepHeading id="results-heading" testId="results-heading">
        Your best fits
      </StepHeading>
      <div aria-busy={recommendation.isPending}>{body}</div>
      <div className="actions no-print">
        <button type="button" className="button button--secondary" onClick={onAddPhotos} data-testid="results-add-photos">
          Add or retake photos
        </button>
      </div>
    </section>
  );
}
