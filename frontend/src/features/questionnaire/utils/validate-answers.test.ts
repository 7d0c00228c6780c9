import { questionnaire } from "@/testing/fixtures";

import { answersPayload, splitServerErrors, validateAnswers } from "./validate-answers";

const { questions } = questionnaire;

describe("validateAnswers", () => {
  it("flags only required questions without an answer; false is an answer", () => {
    expect(validateAnswers(questions, {})).toEqual({
      use: "Please choose an answer.",
      glasses: "Please answer yes or no.",
    });
    expect(validateAnswers(questions, { use: "sport", glasses: false })).toEqual({});
  });

  it("treats an empty multi-choice list as unanswered", () => {
    const required = questions.map((q) => ({ ...q, required: true }));
    expect(validateAnswers(required, { use: "sport", glasses: true, features: [] })).toEqual({
      features: "Please choose at least one option.",
    });
  });
});

describe("answersPayload", () => {
  it("drops unanswered and unknown keys", () => {
    expect(answersPayload(questions, { use: "sport", features: [], stale: "x", glasses: true })).toEqual({
      use: "sport",
      glasses: true,
    });
  });
});

describe("splitServerErrors", () => {
  it("maps answers.<key> and bare keys to questions and keeps the rest general", () => {
    expect(
      splitServerErrors(questions, { "answers.use": ["a"], glasses: ["b", "c"], questionnaire_version: ["old"] }),
    ).toEqual({ byQuestion: { use: "a", glasses: "b c" }, general: ["old"] });
  });
});
