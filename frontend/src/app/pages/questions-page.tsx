import { Link, Navigate, useNavigate, useParams } from "react-router";

import { useQuestionnaire } from "@/features/questionnaire/api/get-questionnaire";
import { QuestionnaireStep } from "@/features/questionnaire/components/questionnaire-step";
import { markAnswersSent, setDraftAnswers, useAnswersDraft } from "@/lib/answers-draft";
import { RetryableError } from "@/lib/components/error-message";
import { Spinner } from "@/lib/components/spinner";
import { StepHeading } from "@/lib/components/step-heading";
import { usePageTitle } from "@/lib/use-page-title";

/** `/questions/:number`: one question per address, answers kept in the tab until the fitting exists. */
export function QuestionsPage() {
  const questionnaire = useQuestionnaire();
  const draft = useAnswersDraft();
  const navigate = useNavigate();
  const number = Number(useParams().number);
  usePageTitle("Questions");

  if (questionnaire.isPending) return <Spinner label="Loading the questions…" />;
  if (questionnaire.isError)
    return <RetryableError error={questionnaire.error} onRetry={() => void questionnaire.refetch()} />;
  // Back from the photos: the answers are in the fitting now and cannot be sent twice.
  if (draft.sentTo)
    return (
      <section className="step" aria-labelledby="sent-heading">
        <StepHeading id="sent-heading" testId="answers-sent">
          Your answers are saved
        </StepHeading>
        <p>They went into your fitting with your consent. To change them, start a new fitting.</p>
        <div className="actions">
          <Link className="button" to={`/fitting/${encodeURIComponent(draft.sentTo)}/photos`}>
            Back to your photos
          </Link>
          <Link className="button button--secondary" to="/">
            Start a new fitting
          </Link>
        </div>
      </section>
    );
  // Consent comes first, for this version of its text: a deep link or an old tab starts there.
  if (draft.consentVersion !== questionnaire.data.consent.version) return <Navigate to="/" replace />;
  const total = questionnaire.data.questions.length;
  if (!Number.isInteger(number) || number < 1 || (total > 0 && number > total)) return <Navigate to="/questions/1" replace />;

  return (
    <QuestionnaireStep
      questionnaire={questionnaire.data}
      index={number - 1}
      onIndexChange={(index) => navigate(`/questions/${index + 1}`)}
      answers={draft.answers}
      onAnswersChange={setDraftAnswers}
      onBack={() => navigate("/")}
      onCreated={(fittingId) => {
        markAnswersSent(fittingId);
        navigate(`/fitting/${encodeURIComponent(fittingId)}/photos`);
      }}
    />
  );
}
