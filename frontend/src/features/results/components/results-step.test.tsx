import { screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

import type { Photo } from "@/lib/schemas";
import { ACCESS_TOKEN, FITTING_ID, fittingDetail, keepTestFitting, photo, product, recommendation } from "@/testing/fixtures";
import { apiError, json, stubFetch } from "@/testing/fetch-stub";
import { renderWithClient } from "@/testing/render";

import { CompareView } from "./compare-view";
import { ResultsStep } from "./results-step";

const base = `/api/v1/fittings/${FITTING_ID}`;
const png = () => new Response(new Uint8Array([0x89, 0x50, 0x4e, 0x47]), { status: 200, headers: { "Content-Type": "image/png" } });

function renderResults({ extra, onCompare = vi.fn() }: { extra?: (id: number) => string; onCompare?: (ids: number[]) => void } = {}) {
  return renderWithClient(
    <ResultsStep
      fittingId={FITTING_ID}
      onAddPhotos={vi.fn()}
      onCompare={onCompare}
      renderItemExtra={extra ? (p) => <span>{extra(p.id)}</span> : undefined}
    />,
  );
}

function threeItems() {
  const r = recommendation("measurements");
  const third = { ...r.items[0]!, rank: 3, score: 0.6, product: { ...product, id: 19, slug: "acme-lite", model: "Lite" } };
  const fourth = { ...r.items[0]!, rank: 4, score: 0.5, product: { ...product, id: 20, slug: "acme-mini", model: "Mini" } };
  return { ...r, items: [...r.items, third, fourth] };
}

describe("ResultsStep", () => {
  beforeEach(() => keepTestFitting());

  it("says plainly when the ranking comes from the questionnaire alone", async () => {
    stubFetch({
      [`GET ${base}/recommendation`]: () =>
        json(200, recommendation("questionnaire", "No usable ear photo: ranked from your answers only.")),
      [`GET ${base}`]: () => json(200, fittingDetail()),
    });
    renderResults();

    const notice = await screen.findByTestId("questionnaire-only-notice");
    expect(notice).toHaveTextContent("No usable ear photo: ranked from your answers only.");
    expect(screen.getByTestId("tip-size")).toHaveTextContent(/could not estimate your ear-tip size/i);
    expect(screen.queryByTestId("measurements")).not.toBeInTheDocument();
  });

  it("lists ranked products with a picture, price, score, reasons and tip size", async () => {
    stubFetch({
      [`GET ${base}/recommendation`]: () => json(200, recommendation("measurements")),
      [`GET ${base}`]: () => json(200, fittingDetail([photo])),
      [`GET ${photo.overlay_url}`]: png,
    });
    renderResults({ extra: (id) => `feedback slot ${id}` });

    const items = within(await screen.findByTestId("results-list")).getAllByTestId("result-item");
    expect(items).toHaveLength(2);
    expect(items[0]).toHaveTextContent("1. Acme Pods Pro");
    expect(within(items[0]!).getByTestId("result-price")).toHaveTextContent(/129/);
    expect(within(items[0]!).getByTestId("product-image")).toHaveAttribute("src", expect.stringMatching(/in-ear.*\.svg$/));
    expect(within(items[1]!).getByTestId("product-image")).toHaveAttribute("src", expect.stringMatching(/over-ear.*\.svg$/));
    expect(items[0]).toHaveTextContent("Fit score 91%");
    expect(items[0]).toHaveTextContent("Start with the M ear tips.");
    expect(items[0]).toHaveTextContent("Light enough for long commutes.");
    expect(items[0]).toHaveTextContent(`feedback slot ${product.id}`);
    expect(screen.getByTestId("tip-size")).toHaveTextContent("Start with size M (confidence 70%)");
  });

  it("explains a product's tip size that differs from the recommended one", async () => {
    const r = recommendation("measurements");
    const differing = { ...r, items: [{ ...r.items[0]!, tip_size: "L", tip_size_note: "Your size, M, is not in the box; L is the nearest it has." }] };
    stubFetch({ [`GET ${base}/recommendation`]: () => json(200, differing), [`GET ${base}`]: () => json(200, fittingDetail()) });
    renderResults();
    expect(await screen.findByTestId("result-tip")).toHaveTextContent(
      "Start with the L ear tips. Your size, M, is not in the box; L is the nearest it has.",
    );
  });

  it("shows the measured ear next to a legend naming every line in its colour, with its value", async () => {
    const { calls } = stubFetch({
      [`GET ${base}/recommendation`]: () => json(200, recommendation("measurements")),
      [`GET ${base}`]: () => json(200, fittingDetail([photo])),
      [`GET ${photo.overlay_url}`]: png,
    });
    renderResults();

    const overlay = await screen.findByTestId("overlay-image-left");
    expect(overlay).toHaveAttribute("src", expect.stringMatching(/^blob:/));
    expect(calls.find((call) => call.path === photo.overlay_url)?.headers.get("Authorization")).toBe(`Bearer ${ACCESS_TOKEN}`);
    expect(screen.getByTestId("measurement-left-ear_length")).toHaveTextContent("61.2 ± 1.4 mm");
    expect(screen.getByTestId("legend-left-intertragal_notch_width")).toHaveTextContent("Ear-canal entrance (intertragal notch) width");
    expect(screen.getByTestId("legend-left-card")).toHaveTextContent("Card outline");
    const swatch = screen.getByTestId("legend-left-ear_length").querySelector(".swatch") as HTMLElement;
    expect(swatch.style.backgroundColor).toBe("rgb(255, 64, 64)");
    // The overlay comes before the products, not at the end of the page.
    const ear = screen.getByTestId("measurements");
    const list = screen.getByTestId("results-list");
    expect(ear.compareDocumentPosition(list) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
  });

  it("zooms the overlay in steps and back", async () => {
    const user = userEvent.setup();
    stubFetch({
      [`GET ${base}/recommendation`]: () => json(200, recommendation("measurements")),
      [`GET ${base}`]: () => json(200, fittingDetail([photo])),
      [`GET ${photo.overlay_url}`]: png,
    });
    renderResults();
    const overlay = await screen.findByTestId("overlay-image-left");
    expect(overlay.style.width).toBe("100%");
    expect(screen.getByTestId("overlay-zoom-out-left")).toBeDisabled();
    await user.click(screen.getByTestId("overlay-zoom-in-left"));
    await user.click(screen.getByTestId("overlay-zoom-in-left"));
    expect(overlay.style.width).toBe("200%");
    expect(screen.getByTestId("overlay-zoom-left")).toHaveTextContent("200%");
    expect(screen.getByTestId("overlay-frame-left")).toHaveAttribute("tabindex", "0");
    await user.click(screen.getByTestId("overlay-zoom-out-left"));
    expect(overlay.style.width).toBe("150%");
  });

  it("never shows millimetres for a photo without a verified card", async () => {
    const relative: Photo = {
      ...photo,
      scale: "relative",
      // Even if a value arrives in mm, a photo without a verified card shows proportions.
      measurements: {
        ear_length: { value: 61.2, uncertainty: 1.4, unit: "mm" },
        intertragal_notch_width: { value: 0.12, uncertainty: 0.02, unit: "ratio" },
      },
      overlay_legend: photo.overlay_legend.filter((entry) => entry.name !== "card"),
    };
    stubFetch({
      [`GET ${base}/recommendation`]: () => json(200, recommendation("questionnaire")),
      [`GET ${base}`]: () => json(200, fittingDetail([relative])),
      [`GET ${photo.overlay_url}`]: png,
    });
    renderResults();
    const panel = await screen.findByTestId("measurements");
    expect(screen.getByTestId("scale-note-left")).toHaveTextContent("not sizes in millimetres");
    expect(within(panel).getByTestId("measurement-left-intertragal_notch_width")).toHaveTextContent("12% of your ear's length");
    expect(within(panel).queryByText(/\bmm\b/)).toBeNull();
  });

  it("lets the shopper pick two or three products to compare, no more", async () => {
    const user = userEvent.setup();
    const onCompare = vi.fn();
    stubFetch({ [`GET ${base}/recommendation`]: () => json(200, threeItems()), [`GET ${base}`]: () => json(200, fittingDetail()) });
    renderResults({ onCompare });

    await screen.findByTestId("results-list");
    expect(screen.getByTestId("compare-open")).toBeDisabled();
    await user.click(screen.getByTestId("compare-17"));
    await user.click(screen.getByTestId("compare-19"));
    await user.click(screen.getByTestId("compare-18"));
    expect(screen.getByTestId("compare-20")).toBeDisabled();
    await user.click(screen.getByTestId("compare-open"));
    expect(onCompare).toHaveBeenCalledWith([17, 19, 18]);
  });

  it("shows the server's message when the recommendation fails", async () => {
    stubFetch({
      [`GET ${base}/recommendation`]: () => apiError(500, "Recommendations are paused for maintenance.", "unavailable"),
      [`GET ${base}`]: () => json(200, fittingDetail()),
    });
    renderResults();
    expect(await screen.findByRole("alert")).toHaveTextContent("Recommendations are paused for maintenance.");
    expect(screen.getByRole("button", { name: "Try again" })).toBeInTheDocument();
  });
});

describe("CompareView", () => {
  beforeEach(() => keepTestFitting());

  it("puts the chosen products side by side, one column each, in the order chosen", async () => {
    stubFetch({ [`GET ${base}/recommendation`]: () => json(200, threeItems()) });
    renderWithClient(<CompareView fittingId={FITTING_ID} productIds={[19, 17]} onBack={vi.fn()} />);
    const table = await screen.findByTestId("compare-table");
    expect(within(table).getAllByTestId("compare-product").map((th) => th.textContent)).toEqual(["Acme Lite", "Acme Pods Pro"]);
    const priceRow = within(table).getByRole("row", { name: /Price/ });
    expect(within(priceRow).getAllByRole("cell")).toHaveLength(2);
    expect(within(table).getByRole("row", { name: /Ear tips to start with/ })).toHaveTextContent("M");
  });

  it("asks for two products when fewer are named", async () => {
    stubFetch({ [`GET ${base}/recommendation`]: () => json(200, threeItems()) });
    renderWithClient(<CompareView fittingId={FITTING_ID} productIds={[17]} onBack={vi.fn()} />);
    expect(await screen.findByTestId("compare-empty")).toHaveTextContent("Choose two or three products");
  });
});
