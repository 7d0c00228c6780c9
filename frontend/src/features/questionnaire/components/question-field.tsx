import { forwardRef } from "react";

import type { Answer, Question } from "@/lib/schemas";

interface QuestionFieldProps {
  question: Question;
  value: Answer | undefined;
  error: string | null;
  onChange: (value: Answer) => void;
}

/**
 * One question as a fieldset: its legend is the question (a focusable heading, so moving between
 * questions announces the new one), help and error text are tied to every input.
 */
export const QuestionField = forwardRef<HTMLHeadingElement, QuestionFieldProps>(function QuestionField(
  { question, value, error, onChange },
  headingRef,
) {
  const helpId = question.help ? `q-${question.key}-help` : undefined;
  const errorId = error ? `q-${question.key}-error` : undefined;
  const describedBy = [helpId, errorId].filter(Boolean).join(" ") || undefined;
  const inputName = `q-${question.key}`;

  const common = {
    name: inputName,
    "aria-describedby": describedBy,
    "aria-invalid": error ? true : undefined,
  } as const;

  let inputs;
  if (question.kind === "boolean") {
    inputs = (
      [
        [true, "Yes", "yes"],
        [false, "No", "no"],
      ] as const
    ).map(([optionValue, label, slug]) => (
      <label key={slug} className="choice">
        <input
          {...common}
          type="radio"
          value={slug}
          checked={value === optionValue}
          onChange={() => onChange(optionValue)}
          data-testid={`answer-${question.key}-${slug}`}
        />
        <span>{label}</span>
      </label>
    ));
  } else if (question.kind === "multi") {
    const selected = Array.isArray(value) ? value : [];
    inputs = question.choices.map((choice) => (
      <label key={choice.value} className="choice">
        <input
          {...common}
          type="checkbox"
          value={choice.value}
          checked={selected.includes(choice.value)}
          onChange={(event) =>
            onChange(
              event.target.checked
                ? [...selected, choice.value]
                : selected.filter((item) => item !== choice.value),
            )
          }
          data-testid={`answer-${question.key}-${choice.value}`}
        />
        <span>{choice.label}</span>
      </label>
    ));
  } else {
    inputs = question.choices.map((choice) => (
      <label key={choice.value} className="choice">
        <input
          {...common}
          type="radio"
          value={choice.value}
          checked={value === choice.value}
          onChange={() => onChange(choice.value)}
          data-testid={`answer-${question.key}-${choice.value}`}
        />
        <span>{choice.label}</span>
      </label>
    ));
  }

  return (
    <fieldset className="question" data-testid={`question-${question.key}`} aria-describedby={describedBy}>
      <legend>
        <h2 ref={headingRef} tabIndex={-1} className="question__text">
          {question.text}
          {question.required ? null : <span className="optional"> (optional)</span>}
        </h2>
      </legend>
      {question.help ? (
        <p id={helpId} className="help">
          {question.help}
        </p>
      ) : null}
      {question.kind === "multi" ? <p className="help">Choose all that apply.</p> : null}
      <div className="choices">{inputs}</div>
      {error ? (
        <p id={errorId} className="field-error" role="alert" data-testid={`question-error-${question.key}`}>
          {error}
        </p>
      ) : null}
    </fieldset>
  );
});
