import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

import { getFittingSession, reloadFittingSessionFromStorage } from "@/lib/fitting-session";
import { ACCESS_TOKEN, FITTING_ID, fittingDetail, questionnaire, recommendation } from "@/testing/fixtures";
import { apiError, json, stubFetch } from "@/testing/fetch-stub";
import { renderWithClient } from "@/testing/render";

import { App } from "./app";

const base = `/api/v1/fittings/${FITTING_ID}`;

function stubServer() {
  return stubFetch({
    "GET /api/v1/questionnaire": () => json(200, questionnaire),
    "POST /api/v1/fittings": () =>
      json(201, { id: FITTING_ID, access_token: ACCESS_TOKEN, status: "open", created_at: "2026-11-23T10:00:00Z" }),
    [`GET ${base}/recommendation`]: () => json(200, recommendation("questionnaire", "Ranked from your answers only.")),
    [`GET ${base}`]: () => json(200, fittingDetail()),
    [`DELETE ${base}`]: () => json(204, null),
  });
}

describe("App", () => {
  it("walks consent → questions → skip photos → results → erase, back to a fresh start", async () => {
    const user = userEvent.setup();
    const { calls } = stubServer();
    renderWithClient(<App />);

    await user.click(await screen.findByTestId("consent-checkbox"));
    await user.click(screen.getByTestId("consent-continue"));

    expect(await screen.findByTestId("questionnaire-heading")).toHaveFocus();
    await user.click(screen.getByTestId("answer-use-commute"));
    await user.click(screen.getByTestId("questionnaire-next"));
    await user.click(screen.getByTestId("questionnaire-next"));
    await user.click(screen.getByTestId("answer-glasses-yes"));
    await user.click(screen.getByTestId("questionnaire-submit"));

    expect(await screen.findByTestId("capture-heading")).toHaveFocus();
    expect(document.title).toBe("Photos — earfit");
    expect(JSON.parse(sessionStorage.getItem("earfit.fitting") ?? "null")).toMatchObject({ id: FITTING_ID, step: "capture" });
    await user.click(screen.getByTestId("capture-skip"));

    expect(await screen.findByTestId("questionnaire-only-notice")).toHaveTextContent("Ranked from your answers only.");
    expect(screen.getByTestId("results-list")).toBeInTheDocument();

    await user.click(screen.getByTestId("erase-button"));
    await user.click(screen.getByTestId("erase-confirm"));

    expect(await screen.findByTestId("consent-heading")).toHaveFocus();
    expect(screen.getByTestId("app-notice")).toHaveTextContent("Your data has been erased");
    expect(screen.getByTestId("consent-checkbox")).not.toBeChecked();
    expect(getFittingSession()).toBeNull();
    expect(sessionStorage.getItem("earfit.fitting")).toBeNull();
    const erase = calls.find((call) => call.method === "DELETE");
    expect(erase?.path).toBe(base);
    expect(erase?.headers.get("Authorization")).toBe(`Bearer ${ACCESS_TOKEN}`);
  });

  it("returns to the same step after a reload", async () => {
    sessionStorage.setItem("earfit.fitting", JSON.stringify({ id: FITTING_ID, accessToken: ACCESS_TOKEN, step: "results" }));
    reloadFittingSessionFromStorage();
    stubServer();
    renderWithClient(<App />);
    expect(await screen.findByTestId("results-heading")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("results-list")).toBeInTheDocument());
  });

  it("shows the server's message when the questionnaire cannot be loaded, with a way to retry", async () => {
    stubFetch({ "GET /api/v1/questionnaire": () => apiError(503, "earfit is being updated. Back in a minute.", "unavailable") });
    renderWithClient(<App />);
    expect(await screen.findByRole("alert")).toHaveTextContent("earfit is being updated. Back in a minute.");
    expect(screen.getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });
});
