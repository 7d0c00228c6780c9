import * as z from "zod/mini";

/**
 * Entity schemas that more than one feature reads (a Product appears in results and feedback, a
 * Photo in capture and results). Each API-call file composes its response schema from these.
 * Unknown keys are stripped, not rejected, so the server can add fields without breaking us.
 */

export const sideSchema = z.enum(["left", "right"]);
export type Side = z.infer<typeof sideSchema>;

export const qualityReasonSchema = z.object({
  code: z.string(),
  message: z.string(),
});
export type QualityReason = z.infer<typeof qualityReasonSchema>;

// The server's words (recommendations/vocabulary.py); contract.test.ts checks each against openapi.json.
export const tipSizeSchema = z.enum(["XS", "S", "M", "L", "XL"]);
export type TipSize = z.infer<typeof tipSizeSchema>;
export const unitSchema = z.enum(["mm", "ratio"]);
export const scaleSchema = z.enum(["mm", "relative"]);

export const measurementSchema = z.object({
  value: z.number(),
  uncertainty: z.number().check(z.nonnegative()),
  unit: unitSchema,
});
export type Measurement = z.infer<typeof measurementSchema>;

export const photoSchema = z.object({
  id: z.string(),
  side: sideSchema,
  created_at: z.string(),
  expires_at: z.string(),
  scale: scaleSchema,
  confidence: z.number().check(z.gte(0), z.lte(1)),
  measurements: z.record(z.string(), measurementSchema),
  quality: z.object({
    passed: z.boolean(),
    reasons: z.array(qualityReasonSchema),
  }),
  model_version: z.string(),
  overlay_url: z.string(),
  // What the overlay draws (each measurement's line, the card's outline) and in which colour.
  overlay_legend: z.array(z.object({ name: z.string(), label: z.string(), colour: z.string().check(z.regex(/^#[0-9a-f]{6}$/)) })),
});
export type Photo = z.infer<typeof photoSchema>;

export const formFactorSchema = z.enum(["in_ear", "earbud", "over_ear", "on_ear", "open", "ear_hook"]);
export type FormFactor = z.infer<typeof formFactorSchema>;

export const productSchema = z.object({
  id: z.int(),
  slug: z.string(),
  brand: z.string(),
  model: z.string(),
  form_factor: formFactorSchema,
  wireless: z.boolean(),
  anc: z.boolean(),
  water_resistance: z.string(),
  microphone: z.boolean(),
  price: z.string(),
  currency: z.string(),
  tip_sizes: z.array(z.string()),
  weight_g: z.number(),
});
export type Product = z.infer<typeof productSchema>;

export const consentSchema = z.object({
  version: z.string(),
  text: z.string(),
  purpose: z.string(),
  retention_days: z.int(),
  retention_statement: z.string(),
});
export type Consent = z.infer<typeof consentSchema>;

export const questionSchema = z.object({
  key: z.string().check(z.minLength(1)),
  text: z.string(),
  help: z._default(z.string(), ""),
  kind: z.enum(["single", "multi", "boolean"]),
  required: z.boolean(),
  choices: z.array(z.object({ value: z.string(), label: z.string() })),
});
export type Question = z.infer<typeof questionSchema>;

export const questionnaireSchema = z.object({
  version: z.int(),
  title: z.string(),
  questions: z.array(questionSchema),
  consent: consentSchema,
});
export type Questionnaire = z.infer<typeof questionnaireSchema>;

/** An answer as the API takes it: one value, a list of values, or yes/no. */
export type Answer = string | string[] | boolean;
export type Answers = Record<string, Answer>;
