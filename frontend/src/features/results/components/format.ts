import type { FormFactor, Measurement } from "@/lib/schemas";

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

/** "24.1 ± 1.2 mm"; relative values keep two decimals and say they are relative. */
export function formatMeasurement({ value, uncertainty, unit }: Measurement): string {
  if (unit === "mm") return `${value.toFixed(1)} ± ${uncertainty.toFixed(1)} mm`;
  return `${value.toFixed(2)} ± ${uncertainty.toFixed(2)} (relative)`;
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
