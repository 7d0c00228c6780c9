import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState, type ReactNode } from "react";

import { CaptureStep } from "@/features/capture/components/capture-step";
import { ConsentStep } from "@/features/consent/components/consent-step";
import { EraseData } from "@/features/erasure/components/erase-data";
import { FeedbackForm } from "@/features/feedback/components/feedback-form";
import { useQuestionnaire } from "@/features/questionnaire/api/get-questionnaire";
import { QuestionnaireStep } from "@/features/questionnaire/components/questionnaire-step";
import { ResultsStep } from "@/features/results/components/results-step";
import { ErrorMessage } from "@/lib/components/error-message";
import { Spinner } from "@/lib/components/spinner";
import { clearFittingSession, setFittingStep, useFittingSession } from "@/lib/fitting-session";
import type { Answers } from "@/lib/schemas";

import { STEPS, StepIndicator, type StepName } from "./step-indicator";

const ERASED_NOTICE = "Your data has been erased: answers, photos, measurements and recommendations.";

/**
 * The step machine: consent → questionnaire → (fitting created) capture ⇄ results. Before the
 * fitting exists the step lives here; after, it lives in the fitting session so a reload keeps it.
 * The app is the only place that composes features; features never import each other.
 */
export function App() {
  const queryClient = useQueryClient();
  const session = useFittingSession();
  const [stage, setStage] = useState<"consent" | "questionnaire">("consent");
  const [answers, setAnswers] = useState<Answers>({});
  const [notice, setNotice] = useState<string | null>(null);
  const questionnaire = useQuestionnaire();

  function backToStart(message: string | null) {
    setAnswers({});
    setStage("consent");
    setNotice(message);
  }

  function startOver() {
    clearFittingSession();
    queryClient.removeQueries({ queryKey: ["fittings"] });
    backToStart(null);
  }

  const step: StepName = session ? session.step : stage;

  // The title names the step too: it is what a screen reader reads first and what a tab shows.
  useEffect(() => {
    const label = STEPS.find(([name]) => name === step)?.[1];
    document.title = label ? `${label} — earfit` : "earfit";
  }, [step]);
  let content: ReactNode;

  if (session) {
    content =
      session.step === "capture" ? (
        <CaptureStep fittingId={session.id} onDone={() => setFittingStep("results")} />
      ) : (
        <ResultsStep
          fittingId={session.id}
          onAddPhotos={() => setFittingStep("capture")}
          onStartOver={startOver}
          renderItemExtra={(product) => <FeedbackForm fittingId={session.id} product={product} />}
        />
      );
  } else if (questionnaire.isPending) {
    content = <Spinner label="Loading…" />;
  } else if (questionnaire.isError) {
    content = (
      <ErrorMessage error={questionnaire.error}>
        <button type="button" className="button" onClick={() => void questionnaire.refetch()}>
          Try again
        </button>
      </ErrorMessage>
    );
  } else if (stage === "consent") {
    content = (
      <ConsentStep
        consent={questionnaire.data.consent}
        onAccept={() => {
          setNotice(null);
          setStage("questionnaire");
        }}
      />
    );
  } else {
    content = (
      <QuestionnaireStep
        questionnaire={questionnaire.data}
        answers={answers}
        onAnswersChange={setAnswers}
        onBack={() => setStage("consent")}
        onCreated={() => {
          // The fitting now holds the answers; the pre-fitting stage resets for after erasure.
          setAnswers({});
          setStage("consent");
        }}
      />
    );
  }

  return (
    <div className="layout">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="site-header">
        <p className="brand">
          ear<span>fit</span>
        </p>
        <StepIndicator current={step} />
      </header>
      <main id="main" className="main">
        <div role="status" aria-live="polite" className={notice ? "notice notice--success" : undefined} data-testid="app-notice">
          {notice}
        </div>
        {content}
      </main>
      <footer className="site-footer">
        {session ? <EraseData key={session.id} fittingId={session.id} onErased={() => backToStart(ERASED_NOTICE)} /> : null}
        <p className="small">earfit suggests a starting fit; it cannot see inside your ear canal.</p>
      </footer>
    </div>
  );
}
