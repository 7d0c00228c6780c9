import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

import { rememberFeedback } from "@/lib/fitting-keys";
import { FITTING_ID, keepTestFitting, product } from "@/testing/fixtures";
import { apiError, json, stubFetch } from "@/testing/fetch-stub";
import { renderWithClient } from "@/testing/render";

import { FeedbackForm } from "./feedback-form";

describe("FeedbackForm", () => {
  beforeEach(() => keepTestFitting());

  it("asks for fit and comfort, then posts them", async () => {
    const user = userEvent.setup();
    const { calls } = stubFetch({
      [`POST /api/v1/fittings/${FITTING_ID}/feedback`]: () => json(201, { id: 5, product_id: 17, fit: "too_tight", comfort: 2 }),
    });
    renderWithClient(<FeedbackForm fittingId={FITTING_ID} product={product} />);

    await user.click(screen.getByTestId("feedback-17-toggle"));
    await user.click(screen.getByTestId("feedback-17-submit"));
    expect(screen.getByRole("alert")).toHaveTextContent(/how it fitted/i);
    expect(calls).toHaveLength(0);

    await user.click(screen.getByLabelText("Too tight"));
    await user.click(screen.getByLabelText("2"));
    await user.type(screen.getByLabelText(/anything else/i), "  Pressure after an hour. ");
    await user.click(screen.getByTestId("feedback-17-submit"));

    expect(await screen.findByTestId("feedback-17-sent")).toHaveTextContent("you told us the Acme Pods Pro fitted too tight, comfort 2 of 5");
    expect(calls[0]?.body).toEqual({ product_id: 17, fit: "too_tight", comfort: 2, comment: "Pressure after an hour." });
  });

  it("shows the server's message when feedback is refused", async () => {
    const user = userEvent.setup();
    stubFetch({
      [`POST /api/v1/fittings/${FITTING_ID}/feedback`]: () => apiError(400, "This product was not in your results.", "invalid"),
    });
    renderWithClient(<FeedbackForm fittingId={FITTING_ID} product={product} />);
    await user.click(screen.getByTestId("feedback-17-toggle"));
    await user.click(screen.getByTestId("feedback-17-fit-right"));
    await user.click(screen.getByTestId("feedback-17-comfort-5"));
    await user.click(screen.getByTestId("feedback-17-submit"));
    expect(await screen.findByRole("alert")).toHaveTextContent("This product was not in your results.");
  });

  it("takes one answer per product: a second send changes it", async () => {
    const user = userEvent.setup();
    const { calls } = stubFetch({ [`POST /api/v1/fittings/${FITTING_ID}/feedback`]: () => json(201, { id: 5 }) });
    renderWithClient(<FeedbackForm fittingId={FITTING_ID} product={product} />);

    await user.click(screen.getByTestId("feedback-17-toggle"));
    await user.click(screen.getByTestId("feedback-17-fit-too_loose"));
    await user.click(screen.getByTestId("feedback-17-comfort-3"));
    await user.click(screen.getByTestId("feedback-17-submit"));
    expect(await screen.findByTestId("feedback-17-sent")).toHaveTextContent("too loose, comfort 3 of 5");
    expect(screen.queryByTestId("feedback-17-form")).not.toBeInTheDocument();

    await user.click(screen.getByTestId("feedback-17-edit"));
    // The form opens with the answer given, to change rather than to start again.
    expect(screen.getByTestId("feedback-17-fit-too_loose")).toBeChecked();
    expect(screen.getByTestId("feedback-17-comfort-3")).toBeChecked();
    await user.click(screen.getByTestId("feedback-17-fit-right"));
    await user.click(screen.getByTestId("feedback-17-submit"));
    expect(await screen.findByTestId("feedback-17-sent")).toHaveTextContent("just right, comfort 3 of 5");
    expect(calls.map((call) => call.body)).toEqual([
      { product_id: 17, fit: "too_loose", comfort: 3 },
      { product_id: 17, fit: "right", comfort: 3 },
    ]);
  });

  it("remembers the answer sent, after a reload", () => {
    rememberFeedback(FITTING_ID, 17, { fit: "right", comfort: 5 });
    renderWithClient(<FeedbackForm fittingId={FITTING_ID} product={product} />);
    expect(screen.getByTestId("feedback-17-sent")).toHaveTextContent("just right, comfort 5 of 5");
    expect(screen.getByTestId("feedback-17-edit")).toBeInTheDocument();
  });
});
