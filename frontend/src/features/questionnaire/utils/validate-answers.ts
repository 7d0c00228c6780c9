import type { Answer, Answers, Question } from "@/lib/schemas";

export function isAnswered(answer: Answer | undefined): boolean {
  if (answer === undefined) return false;
  if (typeof answer === "boolean") return true;
  if (Array.isArray(answer)) return answer.length > 0;
  return answer !== "";
}

/** The message to show under a question, or null when it is fine. */
export function validateAnswer(question: Question, answer: Answer | undefined): string | null {
  if (!question.required || isAnswered(answer)) return null;
  if (question.kind === "multi") return "Please choose at least one option.";
  if (question.kind === "boolean") return "Please answer yes or no.";
  return "Please choose an answer.";
}

export function validateAnswers(questions: Question[], answers: Answers): Record<string, string> {
  const errors: Record<string, string> = {};
  for (const question of questions) {
    const message = validateAnswer(question, answers[question.key]);
    if (message) errors[question.key] = message;
  }
  return errors;
}

/** The answers to send: only questions of this version, only those answered. */
export function answersPayload(questions: Question[], answers: Answers): Answers {
  const payload: Answers = {};
  for (const question of questions) {
    const answer = answers[question.key];
    if (answer !== undefined && isAnswered(answer)) payload[question.key] = answer;
  }
  return payload;
}

/**
 * Split a 400's `extra.fields` into messages per question (keys `answers.<key>` or `<key>`) and
 * the rest (consent, questionnaire_version, non_field_errors…), shown above the form.
 */
export function splitServerErrors(
  questions: Question[],
  fields: Record<string, string[]>,
): { byQuestion: Record<string, string>; general: string[] } {
  const keys = new Set(questions.map((q) => q.key));
  const byQuestion: Record<string, string> = {};
  const general: string[] = [];
  for (const [field, messages] of Object.entries(fields)) {
    const key = field.startsWith("answers.") ? field.slice("answers.".length) : field;
    if (keys.has(key)) byQuestion[key] = messages.join(" ");
    else general.push(...messages);
  }
  return { byQuestion, general };
}
