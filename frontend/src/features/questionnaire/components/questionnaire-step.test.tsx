import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useState } from "react";

import { getSavedFitting } from "@/lib/fitting-keys";
import type { Answers } from "@/lib/schemas";
import { ACCESS_TOKEN, FITTING_ID, questionnaire } from "@/testing/fixtures";
import { apiError, json, stubFetch } from "@/testing/fetch-stub";
import { renderWithClient } from "@/testing/render";

import { QuestionnaireStep } from "./questionnaire-step";

function Harness({ onBack = vi.fn(), onCreated = vi.fn() }: { onBack?: () => void; onCreated?: (id: string) => void }) {
  const [answers, setAnswers] = useState<Answers>({});
  const [index, setIndex] = useState(0);
  return (
    <QuestionnaireStep
      questionnaire={questionnaire}
      index={index}
      onIndexChange={setIndex}
      answers={answers}
      onAnswersChange={setAnswers}
      onBack={onBack}
      onCreated={onCreated}
    />
  );
}

describe("QuestionnaireStep", () => {
  it("blocks Next on an unanswered required question and says why", async () => {
    const user = userEvent.setup();
    renderWithClient(<Harness />);

    expect(screen.getByTestId("questionnaire-progress")).toHaveTextContent("Question 1 of 3");
    await user.click(screen.getByTestId("questionnaire-next"));
    expect(screen.getByTestId("question-error-use")).toHaveTextContent("Please choose an answer.");
    expect(screen.getByTestId("questionnaire-progress")).toHaveTextContent("Question 1 of 3");

    await user.click(screen.getByLabelText("Commuting"));
    expect(screen.queryByTestId("question-error-use")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("questionnaire-next"));
    expect(screen.getByTestId("questionnaire-progress")).toHaveTextContent("Question 2 of 3");
  });

  it("lets an optional question be skipped and keeps answers when going back and forward", async () => {
    const user = userEvent.setup();
    const onBack = vi.fn();
    renderWithClient(<Harness onBack={onBack} />);

    await user.click(screen.getByLabelText("Sport"));
    await user.click(screen.getByTestId("questionnaire-next"));
    // Optional multi-choice question: Next works with nothing chosen.
    await user.click(screen.getByLabelText("Wireless"));
    await user.click(screen.getByTestId("questionnaire-next"));
    expect(screen.getByTestId("question-glasses")).toBeInTheDocument();
    expect(screen.getByRole("heading", { level: 2, name: /glasses/i })).toHaveFocus();

    await user.click(screen.getByTestId("questionnaire-back"));
    expect(screen.getByLabelText("Wireless")).toBeChecked();
    await user.click(screen.getByTestId("questionnaire-back"));
    expect(screen.getByLabelText("Sport")).toBeChecked();
    expect(onBack).not.toHaveBeenCalled();
    await user.click(screen.getByTestId("questionnaire-back"));
    expect(onBack).toHaveBeenCalledTimes(1);
  });

  it("creates the fitting with answers and consent, then starts the session", async () => {
    const user = userEvent.setup();
    const onCreated = vi.fn();
    const { calls } = stubFetch({
      "POST /api/v1/fittings": () =>
        json(201, { id: FITTING_ID, access_token: ACCESS_TOKEN, status: "open", created_at: "2026-11-23T10:00:00Z" }),
    });
    renderWithClient(<Harness onCreated={onCreated} />);

    await user.click(screen.getByLabelText("Commuting"));
    await user.click(screen.getByTestId("questionnaire-next"));
    await user.click(screen.getByTestId("questionnaire-next"));
    await user.click(screen.getByTestId("questionnaire-submit"));
    expect(screen.getByTestId("question-error-glasses")).toHaveTextContent("Please answer yes or no.");
    await user.click(screen.getByTestId("answer-glasses-no"));
    await user.click(screen.getByTestId("questionnaire-submit"));

    await waitFor(() => expect(onCreated).toHaveBeenCalledWith(FITTING_ID));
    expect(calls[0]?.body).toEqual({
      questionnaire_version: 3,
      answers: { use: "commute", glasses: false },
      consent: { version: "2026-01", accepted: true },
    });
    // Kept on this device for the consent's retention (90 days from creation).
    expect(getSavedFitting(FITTING_ID)).toMatchObject({ accessToken: ACCESS_TOKEN, expiresAt: "2027-02-21T10:00:00.000Z" });
  });

  it("shows the server's 400 message and puts field messages on their question", async () => {
    const user = userEvent.setup();
    stubFetch({
      "POST /api/v1/fittings": () =>
        apiError(400, "Some answers need another look.", "validation_error", {
          fields: { "answers.use": ["“commute” is not offered any more."], consent: ["Consent version is out of date."] },
        }),
    });
    const onCreated = vi.fn();
    renderWithClient(<Harness onCreated={onCreated} />);

    await user.click(screen.getByLabelText("Commuting"));
    await user.click(screen.getByTestId("questionnaire-next"));
    await user.click(screen.getByTestId("questionnaire-next"));
    await user.click(screen.getByTestId("answer-glasses-yes"));
    await user.click(screen.getByTestId("questionnaire-submit"));

    const alert = await screen.findByTestId("error-message");
    expect(alert).toHaveTextContent("Some answers need another look.");
    expect(alert).toHaveTextContent("Consent version is out of date.");
    // Jumped back to the question the server objected to.
    expect(screen.getByTestId("question-error-use")).toHaveTextContent("not offered any more");
    expect(screen.getByTestId("questionnaire-progress")).toHaveTextContent("Question 1 of 3");
    expect(onCreated).not.toHaveBeenCalled();
    expect(getSavedFitting(FITTING_ID)).toBeNull();
  });
});
