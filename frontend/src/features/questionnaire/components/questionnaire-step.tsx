import { useEffect, useRef, useState, type FormEvent } from "react";

import { errorMessage, fieldErrors } from "@/lib/api-client";
import { StepHeading } from "@/lib/components/step-heading";
import type { Answer, Answers, Questionnaire } from "@/lib/schemas";

import { useCreateFitting } from "../api/create-fitting";
import { answersPayload, splitServerErrors, validateAnswer, validateAnswers } from "../utils/validate-answers";

import { QuestionField } from "./question-field";

interface QuestionnaireStepProps {
  questionnaire: Questionnaire;
  /** The question shown, from 0; the page's address holds it, so Back and reload keep it. */
  index: number;
  onIndexChange: (index: number) => void;
  answers: Answers;
  onAnswersChange: (answers: Answers) => void;
  /** Leave the first question backwards (to the consent screen). */
  onBack: () => void;
  /** The fitting was created (this device now holds its key). */
  onCreated: (fittingId: string) => void;
}

/**
 * One question at a time with Back/Next, a progress bar, and required questions checked before
 * moving on. The last Next creates the fitting with the answers and the consent given earlier.
 */
export function QuestionnaireStep({
  questionnaire,
  index: requestedIndex,
  onIndexChange: setIndex,
  answers,
  onAnswersChange,
  onBack,
  onCreated,
}: QuestionnaireStepProps) {
  const { questions } = questionnaire;
  const total = questions.length;
  const index = Math.min(Math.max(0, requestedIndex), Math.max(0, total - 1));
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [generalErrors, setGeneralErrors] = useState<string[]>([]);
  const createFitting = useCreateFitting({ retentionDays: questionnaire.consent.retention_days });
  const questionHeading = useRef<HTMLHeadingElement>(null);
  const firstRender = useRef(true);

  // The step heading takes focus when the step opens; after that each new question does.
  useEffect(() => {
    if (firstRender.current) {
      firstRender.current = false;
      return;
    }
    questionHeading.current?.focus();
  }, [index]);

  const question = questions[index];
  const isLast = index >= total - 1;

  function setAnswer(key: string, value: Answer) {
    onAnswersChange({ ...answers, [key]: value });
    setErrors((current) => {
      const rest = { ...current };
      delete rest[key];
      return rest;
    });
  }

  function submit() {
    const missing = validateAnswers(questions, answers);
    const firstMissing = questions.findIndex((q) => q.key in missing);
    if (firstMissing >= 0) {
      setErrors(missing);
      setIndex(firstMissing);
      return;
    }
    setGeneralErrors([]);
    createFitting.mutate(
      {
        questionnaire_version: questionnaire.version,
        answers: answersPayload(questions, answers),
        consent: { version: questionnaire.consent.version, accepted: true },
      },
      {
        onSuccess: (fitting) => onCreated(fitting.id),
        onError: (error) => {
          const { byQuestion, general } = splitServerErrors(questions, fieldErrors(error));
          setErrors(byQuestion);
          setGeneralErrors(general);
          const firstBad = questions.findIndex((q) => q.key in byQuestion);
          if (firstBad >= 0) setIndex(firstBad);
        },
      },
    );
  }

  function handleNext(event: FormEvent) {
    event.preventDefault();
    if (question) {
      const message = validateAnswer(question, answers[question.key]);
      if (message) {
        setErrors((current) => ({ ...current, [question.key]: message }));
        return;
      }
    }
    if (isLast) submit();
    else setIndex(index + 1);
  }

  function handleBack() {
    if (index === 0) onBack();
    else setIndex(index - 1);
  }

  return (
    <section className="step" aria-labelledby="questionnaire-heading">
      <StepHeading id="questionnaire-heading" testId="questionnaire-heading">
        {questionnaire.title || "About you and your listening"}
      </StepHeading>
      {total > 0 ? (
        <div className="progress-block">
          <p id="questionnaire-progress-label" data-testid="questionnaire-progress">
            Question {index + 1} of {total}
          </p>
          <progress max={total} value={index + 1} aria-labelledby="questionnaire-progress-label" />
        </div>
      ) : null}

      {createFitting.isError ? (
        <div className="error" role="alert" data-testid="error-message">
          <p>{errorMessage(createFitting.error)}</p>
          {generalErrors.length > 0 ? (
            <ul>
              {generalErrors.map((message) => (
                <li key={message}>{message}</li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}

      <form onSubmit={handleNext} noValidate>
        {question ? (
          <QuestionField
            key={question.key}
            ref={questionHeading}
            question={question}
            value={answers[question.key]}
            error={errors[question.key] ?? null}
            onChange={(value) => setAnswer(question.key, value)}
          />
        ) : (
          <p>There are no questions this time. Continue to the photos.</p>
        )}
        <div className="actions">
          <button type="button" className="button button--secondary" onClick={handleBack} data-testid="questionnaire-back">
            Back
          </button>
          {isLast ? (
            <button type="submit" className="button" disabled={createFitting.isPending} data-testid="questionnaire-submit">
              {createFitting.isPending ? "Saving…" : "Continue to photos"}
            </button>
          ) : (
            <button type="submit" className="button" data-testid="questionnaire-next">
              Next
            </button>
          )}
        </div>
        {createFitting.isPending ? (
          <p role="status" className="visually-hidden">
            Saving your answers…
          </p>
        ) : null}
      </form>
    </section>
  );
}
