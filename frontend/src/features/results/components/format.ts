import type { FormFactor, Photo } from "@/lib/schemas";

export const FORM_FACTOR_LABEL: Record<FormFactor, string> = {
  in_ear: "In-ear",
  earbud: "Earbud",
  over_ear: "Over-ear",
  on_ear: "On-ear",
  open: "Open-ear",
  ear_hook: "Ear-hook",
};

export const MEASUREMENT_LABEL: Record<string, string> = {
  ear_length: "Ear length",
  ear_width: "Ear width",
  concha_height: "Concha (bowl) height",
  concha_width: "Concha (bowl) width",
  intertragal_notch_width: "Ear-canal entrance (intertragal notch) width",
};

export function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/**
 * "24.1 ± 1.2 mm" only when the photo's card was verified (scale "mm"). Otherwise the value is a
 * share of the ear's length and says so: no millimetres are shown that no card measured, even if
 * a value arrived in mm.
 */
export function formatMeasurement(name: string, photo: Pick<Photo, "scale" | "measurements">): string {
  const measurement = photo.measurements[name];
  if (!measurement) return "not measured";
  const { value, uncertainty, unit } = measurement;
  if (photo.scale === "mm" && unit === "mm") return `${value.toFixed(1)} ± ${uncertainty.toFixed(1)} mm`;
  if (name === "ear_length") return "the length the others are compared with";
  let share = value;
  let spread = uncertainty;
  if (unit === "mm") {
    const length = photo.measurements["ear_length"];
    if (!length || length.unit !== "mm" || length.value <= 0) return "not known without the card";
    share = value / length.value;
    spread = uncertainty / length.value;
  }
  return `${Math.round(share * 100)}% of your ear's length (± ${Math.max(1, Math.round(spread * 100))})`;
}

export function formatPrice(price: string, currency: string): string {
  const amount = Number(price);
  if (!Number.isFinite(amount)) return `${price} ${currency}`;
  try {
    return new Intl.NumberFormat(undefined, { style: "currency", currency }).format(amount);
  } catch {
    return `${price} ${currency}`;
  }
}
