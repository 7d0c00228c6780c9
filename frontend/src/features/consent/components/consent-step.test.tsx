import { render, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

import { questionnaire } from "@/testing/fixtures";

import { ConsentStep } from "./consent-step";

describe("ConsentStep", () => {
  it("shows the server's consent text, purpose and retention before anything else", () => {
    render(<ConsentStep consent={questionnaire.consent} onAccept={vi.fn()} />);
    expect(screen.getByTestId("consent-text")).toHaveTextContent(questionnaire.consent.text);
    expect(screen.getByTestId("consent-purpose")).toHaveTextContent(questionnaire.consent.purpose);
    expect(screen.getByTestId("consent-retention")).toHaveTextContent(questionnaire.consent.retention_statement);
  });

  it("starts unticked and will not continue until the box is ticked", async () => {
    const user = userEvent.setup();
    const onAccept = vi.fn();
    render(<ConsentStep consent={questionnaire.consent} onAccept={onAccept} />);

    const checkbox = screen.getByRole("checkbox", { name: /agree/i });
    expect(checkbox).not.toBeChecked();

    await user.click(screen.getByRole("button", { name: "Continue" }));
    expect(onAccept).not.toHaveBeenCalled();
    expect(screen.getByRole("alert")).toHaveTextContent(/tick the box/i);
    expect(checkbox).toHaveAttribute("aria-invalid", "true");

    await user.click(checkbox);
    expect(screen.queryByRole("alert")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("consent-continue"));
    expect(onAccept).toHaveBeenCalledTimes(1);
  });

  it("moves focus to its heading when shown", () => {
    render(<ConsentStep consent={questionnaire.consent} onAccept={vi.fn()} />);
    expect(screen.getByRole("heading", { level: 1 })).toHaveFocus();
  });
});
