import type { ReactNode } from "react";

import type { RecommendationItem } from "../api/get-recommendation";

import { FORM_FACTOR_LABEL, formatPrice, percent } from "./format";
import { ProductImage } from "./product-image";

interface ProductCardProps {
  item: RecommendationItem;
  compare: { checked: boolean; disabled: boolean; onChange: (checked: boolean) => void };
  children?: ReactNode;
}

/** One ranked product: what it is, its score and why, its price, and the tip size to start with. */
export function ProductCard({ item, compare, children }: ProductCardProps) {
  const { product } = item;
  const headingId = `product-${product.id}-heading`;
  const compareId = `compare-${product.id}`;
  const features = [
    FORM_FACTOR_LABEL[product.form_factor],
    product.wireless ? "wireless" : "wired",
    product.anc ? "noise cancelling" : null,
    product.microphone ? "microphone" : null,
    product.water_resistance && product.water_resistance !== "none" ? `water resistance ${product.water_resistance}` : null,
    `${product.weight_g} g`,
  ].filter(Boolean);

  return (
    <li className="product" aria-labelledby={headingId} data-testid="result-item" data-product-id={product.id}>
      <div className="product__head">
        <ProductImage formFactor={product.form_factor} />
        <div>
          <h3 id={headingId}>
            <span className="product__rank">{item.rank}.</span> {product.brand} {product.model}
          </h3>
          <p className="product__price" data-testid="result-price">
            {formatPrice(product.price, product.currency)}
          </p>
          <p className="small">{features.join(" · ")}</p>
        </div>
      </div>
      <p className="product__score">
        Fit score <strong data-testid="result-score">{percent(item.score)}</strong>
        <span className="scorebar" aria-hidden="true">
          {/* Width through the CSSOM (React's style prop), which a Content-Security-Policy allows. */}
          <span className="scorebar__fill" style={{ width: percent(item.score) }} />
        </span>
      </p>
      {item.reasons.length > 0 ? (
        <>
          <h4 className="visually-hidden">Why this score</h4>
          <ul className="product__reasons" data-testid="result-reasons">
            {item.reasons.map((reason) => (
              <li key={reason}>{reason}</li>
            ))}
          </ul>
        </>
      ) : null}
      {item.tip_size ? (
        <p data-testid="result-tip">
          Start with the <strong data-testid="result-tip-size">{item.tip_size}</strong> ear tips.
          {item.tip_size_note ? <span className="small"> {item.tip_size_note}</span> : null}
        </p>
      ) : null}
      <div className="checkbox-row product__compare">
        <input
          id={compareId}
          type="checkbox"
          checked={compare.checked}
          disabled={compare.disabled}
          onChange={(event) => compare.onChange(event.target.checked)}
          data-testid={`compare-${product.id}`}
        />
        <label htmlFor={compareId}>
          Compare<span className="visually-hidden"> the {product.brand} {product.model}</span>
        </label>
      </div>
      {children}
    </li>
  );
}
