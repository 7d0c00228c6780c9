import { screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

import { FITTING_ID, product } from "@/testing/fixtures";
import { apiError, json, stubFetch } from "@/testing/fetch-stub";
import { renderWithClient } from "@/testing/render";

import { FeedbackForm } from "./feedback-form";

describe("FeedbackForm", () => {
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

    expect(await screen.findByTestId("feedback-17-sent")).toHaveTextContent("Thank you");
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
});
