import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

import { acceptConsent, getAnswersDraft, setDraftAnswers } from "@/lib/answers-draft";
import { getSavedFitting, listSavedFittings, reloadSavedFittings } from "@/lib/fitting-keys";
import { ACCESS_TOKEN, FITTING_ID, fittingDetail, keepTestFitting, questionnaire, recommendation } from "@/testing/fixtures";
import { apiError, json, stubFetch } from "@/testing/fetch-stub";
import { currentLocation, renderAt } from "@/testing/render";

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

const path = () => currentLocation.value?.pathname;

describe("App", () => {
  it("gives every step its own address: consent, each question, photos, results; erasing forgets the key", async () => {
    vi.useFakeTimers({ toFake: ["Date"], now: new Date("2026-11-23T10:00:00Z") });
    const user = userEvent.setup();
    const { calls } = stubServer();
    renderAt("/", <App />);

    await user.click(await screen.findByTestId("consent-checkbox"));
    await user.click(screen.getByTestId("consent-continue"));

    expect(await screen.findByTestId("questionnaire-heading")).toHaveFocus();
    expect(path()).toBe("/questions/1");
    await user.click(screen.getByTestId("answer-use-commute"));
    await user.click(screen.getByTestId("questionnaire-next"));
    expect(path()).toBe("/questions/2");
    await user.click(screen.getByTestId("questionnaire-next"));
    expect(path()).toBe("/questions/3");
    await user.click(screen.getByTestId("answer-glasses-yes"));
    await user.click(screen.getByTestId("questionnaire-submit"));

    expect(await screen.findByTestId("capture-heading")).toHaveFocus();
    expect(path()).toBe(`/fitting/${FITTING_ID}/photos`);
    expect(document.title).toBe("Photos — earfit");
    // The key is kept on the device until the data's retention ends; the draft answers are gone.
    expect(getSavedFitting(FITTING_ID)).toMatchObject({ accessToken: ACCESS_TOKEN, expiresAt: "2027-02-21T10:00:00.000Z" });
    expect(JSON.parse(localStorage.getItem("earfit.fittings") ?? "[]")).toHaveLength(1);
    expect(getAnswersDraft().answers).toEqual({});
    await user.click(screen.getByTestId("capture-continue"));

    expect(await screen.findByTestId("questionnaire-only-notice")).toHaveTextContent("Ranked from your answers only.");
    expect(path()).toBe(`/fitting/${FITTING_ID}/results`);

    // Nothing in between says the fitting is missing (or takes the focus to say so).
    const seen: string[] = [];
    const watcher = new MutationObserver(() => {
      if (document.querySelector("[data-testid=fitting-missing]")) seen.push("fitting-missing");
    });
    watcher.observe(document.body, { childList: true, subtree: true });
    await user.click(screen.getByTestId("erase-button"));
    await user.click(screen.getByTestId("erase-confirm"));

    expect(await screen.findByTestId("consent-heading")).toHaveFocus();
    watcher.disconnect();
    expect(seen).toEqual([]);
    expect(path()).toBe("/");
    // The notice is shown once: the history entry no longer carries it, the page still shows it.
    await waitFor(() => expect(currentLocation.value?.state).toBeNull());
    expect(screen.getByTestId("app-notice")).toHaveTextContent("Your data has been erased");
    expect(screen.getByTestId("app-notice")).toHaveTextContent("Your data has been erased");
    expect(screen.getByTestId("consent-checkbox")).not.toBeChecked();
    expect(listSavedFittings()).toEqual([]);
    expect(localStorage.getItem("earfit.fittings")).toBeNull();
    const erase = calls.find((call) => call.method === "DELETE");
    expect(erase?.path).toBe(base);
    expect(erase?.headers.get("Authorization")).toBe(`Bearer ${ACCESS_TOKEN}`);
    vi.useRealTimers();
  });

  it("keeps the consent and the answers through a reload of a question", async () => {
    const user = userEvent.setup();
    acceptConsent(questionnaire.consent.version);
    setDraftAnswers({ use: "sport" });
    stubServer();
    renderAt("/questions/2", <App />);

    expect(await screen.findByTestId("questionnaire-progress")).toHaveTextContent("Question 2 of 3");
    await user.click(screen.getByTestId("questionnaire-back"));
    expect(path()).toBe("/questions/1");
    expect(screen.getByTestId("answer-use-sport")).toBeChecked();
  });

  it("sends a deep link into the questions without consent to the start", async () => {
    stubServer();
    renderAt("/questions/3", <App />);
    expect(await screen.findByTestId("consent-heading")).toBeInTheDocument();
    expect(path()).toBe("/");
  });

  it("opens the results of a fitting whose key this browser kept after it was closed, and lists it on the home page", async () => {
    const user = userEvent.setup();
    keepTestFitting();
    stubServer();
    renderAt("/", <App />);

    const link = await screen.findByTestId("saved-fitting-link");
    expect(link).toHaveTextContent(/Your results from/);
    await user.click(link);
    expect(await screen.findByTestId("results-heading")).toBeInTheDocument();
    await waitFor(() => expect(screen.getByTestId("results-list")).toBeInTheDocument());
    expect(screen.getByTestId("erase-button")).toHaveTextContent("Delete my data now");
  });

  it("offers to delete the data on every page of a fitting", async () => {
    keepTestFitting();
    stubServer();
    for (const page of ["photos", "results", "compare?products=17,18"]) {
      const { unmount } = renderAt(`/fitting/${FITTING_ID}/${page}`, <App />);
      expect(await screen.findByTestId("erase-button")).toBeInTheDocument();
      unmount();
    }
  });

  it("takes the key from a kept link, out of the address, and shows the results", async () => {
    const { calls } = stubServer();
    renderAt(`/fitting/${FITTING_ID}/results#key=${ACCESS_TOKEN}&until=2099-01-01`, <App />);

    await waitFor(() => expect(screen.getByTestId("results-list")).toBeInTheDocument());
    expect(currentLocation.value?.hash).toBe("");
    expect(getSavedFitting(FITTING_ID)?.accessToken).toBe(ACCESS_TOKEN);
    expect(calls.find((call) => call.path === `${base}/recommendation`)?.headers.get("Authorization")).toBe(`Bearer ${ACCESS_TOKEN}`);
  });

  it("says so when this browser holds no key for the fitting, and asks the server nothing", async () => {
    const { calls } = stubServer();
    renderAt(`/fitting/${FITTING_ID}/results`, <App />);
    expect(await screen.findByTestId("fitting-missing")).toHaveTextContent("This fitting is not on this device");
    expect(calls.filter((call) => call.path.startsWith(base))).toEqual([]);
  });

  it("forgets the key of a fitting the server no longer has", async () => {
    keepTestFitting();
    stubFetch({
      [`GET ${base}`]: () => apiError(404, "Not found.", "not_found"),
      [`GET ${base}/recommendation`]: () => apiError(404, "Not found.", "not_found"),
    });
    renderAt(`/fitting/${FITTING_ID}/results`, <App />);
    expect(await screen.findByTestId("fitting-missing")).toHaveTextContent("This fitting no longer exists");
    reloadSavedFittings();
    expect(getSavedFitting(FITTING_ID)).toBeNull();
  });

  it("answers an unknown address with a page that leads back to the start", async () => {
    stubServer();
    renderAt("/no/such/page", <App />);
    expect(await screen.findByTestId("not-found-heading")).toHaveTextContent("There is no page here");
    expect(screen.getByRole("link", { name: "Go to the start" })).toHaveAttribute("href", "/");
  });

  it("shows the server's message when the questionnaire cannot be loaded, with a way to retry", async () => {
    stubFetch({ "GET /api/v1/questionnaire": () => apiError(500, "earfit is being updated. Back in a minute.", "unavailable") });
    renderAt("/", <App />);
    expect(await screen.findByRole("alert")).toHaveTextContent("earfit is being updated. Back in a minute.");
    expect(screen.getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });
});
