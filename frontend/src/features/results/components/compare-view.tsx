import type { ReactNode } from "react";

import { ErrorMessage } from "@/lib/components/error-message";
import { Spinner } from "@/lib/components/spinner";
import { StepHeading } from "@/lib/components/step-heading";

import { useRecommendation, type RecommendationItem } from "../api/get-recommendation";

import { FORM_FACTOR_LABEL, formatPrice, percent } from "./format";
import { ProductImage } from "./product-image";

const yesNo = (value: boolean) => (value ? "Yes" : "No");

const ROWS: [string, (item: RecommendationItem) => ReactNode][] = [
  ["Rank", (item) => item.rank],
  ["Fit score", (item) => percent(item.score)],
  ["Price", (item) => formatPrice(item.product.price, item.product.currency)],
  ["Kind", (item) => FORM_FACTOR_LABEL[item.product.form_factor]],
  ["Ear tips to start with", (item) => (item.tip_size ? [item.tip_size, item.tip_size_note].filter(Boolean).join(" — ") : "No ear tips")],
  ["Tip sizes in the box", (item) => item.product.tip_sizes.join(", ") || "None"],
  ["Wireless", (item) => yesNo(item.product.wireless)],
  ["Noise cancelling", (item) => yesNo(item.product.anc)],
  ["Microphone", (item) => yesNo(item.product.microphone)],
  ["Water resistance", (item) => (item.product.water_resistance === "none" ? "None" : item.product.water_resistance)],
  ["Weight", (item) => `${item.product.weight_g} g`],
  [
    "Why",
    (item) => (
      <ul className="compare__reasons">
        {item.reasons.map((reason) => (
          <li key={reason}>{reason}</li>
        ))}
      </ul>
    ),
  ],
];

/** Two or three recommended products side by side, one column each, from the same ranking. */
export function CompareView({ fittingId, productIds, onBack }: { fittingId: string; productIds: number[]; onBack: () => void }) {
  const recommendation = useRecommendation(fittingId);
  let body: ReactNode;
  if (recommendation.isPending) body = <Spinner label="Loading your results…" />;
  else if (recommendation.isError) body = <ErrorMessage error={recommendation.error} />;
  else {
    const items = productIds
      .map((id) => recommendation.data.items.find((item) => item.product.id === id))
      .filter((item): item is RecommendationItem => item !== undefined);
    body =
      items.length < 2 ? (
        <p data-testid="compare-empty">Choose two or three products from your results to compare them.</p>
      ) : (
        <div className="table-scroll" role="region" aria-labelledby="compare-heading" tabIndex={0}>
          <table className="compare" data-testid="compare-table">
            <caption className="visually-hidden">The chosen products, one column each</caption>
            <thead>
              <tr>
                <td />
                {items.map((item) => (
                  <th key={item.product.id} scope="col" data-testid="compare-product">
                    <ProductImage formFactor={item.product.form_factor} />
                    {item.product.brand} {item.product.model}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {ROWS.map(([label, cell]) => (
                <tr key={label}>
                  <th scope="row">{label}</th>
                  {items.map((item) => (
                    <td key={item.product.id}>{cell(item)}</td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      );
  }
  return (
    <section className="step step--wide" aria-labelledby="compare-heading">
      <StepHeading id="compare-heading" testId="compare-heading">
        Compare products
      </StepHeading>
      {body}
      <div className="actions no-print">
        <button type="button" className="button button--secondary" onClick={onBack} data-testid="compare-back">
          Back to all results
        </button>
      </div>
    </section>
  );
}
