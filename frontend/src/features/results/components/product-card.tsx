import type { ReactNode } from "react";

import type { RecommendationItem } from "../api/get-recommendation";

import { FORM_FACTOR_LABEL, formatPrice, percent } from "./format";

export function ProductCard({ item, children }: { item: RecommendationItem; children?: ReactNode }) {
  const { product } = item;
  const headingId = `product-${product.id}-heading`;
  const features = [
    FORM_FACTOR_LABEL[product.form_factor],
    product.wireless ? "wireless" : "wired",
    product.anc ? "noise cancelling" : null,
    product.microphone ? "microphone" : null,
    product.water_resistance ? `water resistance ${product.water_resistance}` : null,
    `${product.weight_g} g`,
  ].filter(Boolean);

  return (
    <li className="product" aria-labelledby={headingId} data-testid="result-item" data-product-id={product.id}>
      <h3 id={headingId}>
        <span className="product__rank">{item.rank}.</span> {product.brand} {product.model}
      </h3>
      <p className="product__score">
        Fit score <strong data-testid="result-score">{percent(item.score)}</strong>
        <span className="scorebar" aria-hidden="true">
          <span className="scorebar__fill" style={{ width: percent(item.score) }} />
        </span>
      </p>
      {item.tip_size ? (
        <p>
          Start with the <strong data-testid="result-tip-size">{item.tip_size}</strong> ear tips.
        </p>
      ) : null}
      {item.reasons.length > 0 ? (
        <>
          <h4 className="visually-hidden">Why it fits</h4>
          <ul className="product__reasons">
            {item.reasons.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ul>
        </>
      ) : null}
      <p className="small">
        {features.join(" · ")} · {formatPrice(product.price, product.currency)}
      </p>
      {children}
    </li>
  );
}
