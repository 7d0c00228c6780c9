import { screen, within } from "@testing-library/react";

import { startFittingSession } from "@/lib/fitting-session";
import { ACCESS_TOKEN, FITTING_ID, fittingDetail, photo, product, recommendation } from "@/testing/fixtures";
import { apiError, json, stubFetch } from "@/testing/fetch-stub";
import { renderWithClient } from "@/testing/render";

import { ResultsStep } from "./results-step";

const base = `/api/v1/fittings/${FITTING_ID}`;

function renderResults(extra?: (id: number) => string) {
  return renderWithClient(
    <ResultsStep
      fittingId={FITTING_ID}
      onAddPhotos={vi.fn()}
      onStartOver={vi.fn()}
      renderItemExtra={extra ? (p) => <span>{extra(p.id)}</span> : undefined}
    />,
  );
}

describe("ResultsStep", () => {
  beforeEach(() => startFittingSession(FITTING_ID, ACCESS_TOKEN));

  it("says plainly when the ranking comes from the questionnaire alone", async () => {
    stubFetch({
      [`GET ${base}/recommendation`]: () =>
        json(200, recommendation("questionnaire", "No usable ear photo: ranked from your answers only.")),
      [`GET ${base}`]: () => json(200, fittingDetail()),
    });
    renderResults();

    const notice = await screen.findByTestId("questionnaire-only-notice");
    expect(notice).toHaveTextContent("No usable ear photo: ranked from your answers only.");
    expect(screen.getByTestId("tip-size")).toHaveTextContent(/cannot suggest a tip size/i);
    expect(screen.queryByTestId("measurements")).not.toBeInTheDocument();
  });

  it("falls back to its own notice when a questionnaire-only answer has none", async () => {
    stubFetch({
      [`GET ${base}/recommendation`]: () => json(200, recommendation("questionnaire", null)),
      [`GET ${base}`]: () => json(200, fittingDetail()),
    });
    renderResults();
    expect(await screen.findByTestId("questionnaire-only-notice")).toHaveTextContent(/answers alone/i);
  });

  it("lists ranked products with score, tip size and reasons, and the measurements with the overlay", async () => {
    const { calls } = stubFetch({
      [`GET ${base}/recommendation`]: () => json(200, recommendation("measurements")),
      [`GET ${base}`]: () => json(200, fittingDetail([photo])),
      [`GET ${photo.overlay_url}`]: () => new Response(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), { status: 200, headers: { "Content-Type": "image/png" } }),
    });
    renderResults((id) => `feedback slot ${id}`);

    const list = await screen.findByTestId("results-list");
    const items = within(list).getAllByTestId("result-item");
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent("1. Acme Pods Pro");
    expect(items[0]).toHaveTextContent("Fit score 91%");
    expect(items[0]).toHaveTextContent("Start with the M ear tips.");
    expect(items[0]).toHaveTextContent("Light enough for long commutes.");
    expect(items[0]).toHaveTextContent(`feedback slot ${product.id}`);
    expect(screen.queryByTestId("questionnaire-only-notice")).not.toBeInTheDocument();
    expect(screen.getByTestId("tip-size")).toHaveTextContent("Start with size M (confidence 70%)");

    expect(await screen.findByTestId("measurement-left-ear_length")).toHaveTextContent("61.2 ± 1.4 mm");
    const overlay = await screen.findByTestId("overlay-image-left");
    expect(overlay).toHaveAttribute("src", expect.stringMatching(/^blob:/));
    const overlayCall = calls.find((call) => call.path === photo.overlay_url);
    expect(overlayCall?.headers.get("Authorization")).toBe(`Bearer ${ACCESS_TOKEN}`);
  });

  it("shows the server's message when the recommendation fails", async () => {
    stubFetch({
      [`GET ${base}/recommendation`]: () => apiError(503, "Recommendations are paused for maintenance.", "unavailable"),
      [`GET ${base}`]: () => json(200, fittingDetail()),
    });
    renderResults();
    expect(await screen.findByRole("alert")).toHaveTextContent("Recommendations are paused for maintenance.");
    expect(screen.getByRole("button", { name: "Start again" })).toBeInTheDocument();
  });
});
