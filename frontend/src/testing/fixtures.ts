import { saveFittingKey } from "@/lib/fitting-keys";
import type { Photo, Product, Questionnaire } from "@/lib/schemas";

export const FITTING_ID = "6f1c2a8e-1b7d-4c1e-9a43-0d2f6c1b9e11";
export const ACCESS_TOKEN = "tok_test_0123456789";
export const KEPT_UNTIL = new Date(Date.now() + 90 * 24 * 60 * 60 * 1000);

/** This device holds the test fitting's key, as after creating it (or reopening the browser). */
export function keepTestFitting(id: string = FITTING_ID, accessToken: string = ACCESS_TOKEN): void {
  saveFittingKey({ id, accessToken, expiresAt: KEPT_UNTIL });
}

export const questionnaire: Questionnaire = {
  version: 3,
  title: "How you listen",
  questions: [
    {
      key: "use",
      text: "What will you mostly use them for?",
      help: "Pick the main one.",
      kind: "single",
      required: true,
      choices: [
        { value: "commute", label: "Commuting" },
        { value: "sport", label: "Sport" },
      ],
    },
    {
      key: "features",
      text: "Which features matter?",
      help: "",
      kind: "multi",
      required: false,
      choices: [
        { value: "anc", label: "Noise cancelling" },
        { value: "wireless", label: "Wireless" },
      ],
    },
    { key: "glasses", text: "Do you wear glasses?", help: "", kind: "boolean", required: true, choices: [] },
  ],
  consent: {
    version: "2026-01",
    text: "We use your answers and ear photos to recommend products.",
    purpose: "To measure your ear and rank products by fit.",
    retention_days: 90,
    retention_statement: "Photos are deleted automatically after 90 days, or at once when you erase your data.",
  },
};

export const product: Product = {
  id: 17,
  slug: "acme-pods-pro",
  brand: "Acme",
  model: "Pods Pro",
  form_factor: "in_ear",
  wireless: true,
  anc: true,
  water_resistance: "IPX4",
  microphone: true,
  price: "129.00",
  currency: "EUR",
  tip_sizes: ["S", "M", "L"],
  weight_g: 5.4,
};

export const photo: Photo = {
  id: "9a1e2c44-0000-4000-8000-000000000001",
  side: "left",
  created_at: "2026-11-23T10:00:00Z",
  expires_at: "2027-02-21T10:00:00Z",
  scale: "mm",
  confidence: 0.82,
  measurements: {
    ear_length: { value: 61.2, uncertainty: 1.4, unit: "mm" },
    intertragal_notch_width: { value: 7.3, uncertainty: 0.6, unit: "mm" },
  },
  quality: { passed: true, reasons: [] },
  model_version: "earnet-1.1.0",
  overlay_url: `/api/v1/fittings/${FITTING_ID}/photos/9a1e2c44-0000-4000-8000-000000000001/overlay`,
  overlay_legend: [
    { name: "ear_length", label: "Ear length", colour: "#ff4040" },
    { name: "intertragal_notch_width", label: "Intertragal notch width", colour: "#ff00ff" },
    { name: "card", label: "Card outline (the scale)", colour: "#00ffff" },
  ],
};

export function recommendation(basis: "questionnaire" | "measurements", notice: string | null = null) {
  return {
    fitting_id: FITTING_ID,
    basis,
    notice,
    ranking_version: "rank-2026.11",
    model_version: basis === "measurements" ? "earnet-1.1.0" : null,
    tip_size:
      basis === "measurements"
        ? { size: "M", confidence: 0.7, abstained: false, reason: "Your ear-canal entrance is about average." }
        : { size: null, confidence: 0, abstained: true, reason: "Without a photo we cannot estimate your canal size." },
    items: [
      { rank: 1, score: 0.91, tip_size: "M", tip_size_note: "", reasons: ["Light enough for long commutes."], product },
      {
        rank: 2,
        score: 0.74,
        tip_size: null,
        tip_size_note: "",
        reasons: ["Over-ear cups avoid the ear canal entirely."],
        product: { ...product, id: 18, slug: "acme-cans", model: "Cans", form_factor: "over_ear", tip_sizes: [] },
      },
    ],
  };
}

export function fittingDetail(photos: Photo[] = []) {
  return {
    id: FITTING_ID,
    status: "open",
    questionnaire_version: 3,
    answers: { use: "commute", glasses: false },
    created_at: "2026-11-23T10:00:00Z",
    photos,
  };
}
