import { act, screen, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

import { FITTING_ID, photo } from "@/testing/fixtures";
import { installFakeXhr } from "@/testing/fake-xhr";
import { renderWithClient } from "@/testing/render";

import { CaptureStep } from "./capture-step";

const earJpeg = () => new File([new Uint8Array([0xff, 0xd8, 0xff, 0xe0])], "left.jpg", { type: "image/jpeg" });

describe("CaptureStep", () => {
  it("uploads the chosen photo with progress and shows a 422's reasons as retake guidance", async () => {
    const user = userEvent.setup();
    const Xhr = installFakeXhr();
    renderWithClient(<CaptureStep fittingId={FITTING_ID} onDone={vi.fn()} />);

    await user.upload(screen.getByLabelText(/photo of your left ear/i), earJpeg());
    expect(await screen.findByTestId("preview-left")).toBeInTheDocument();
    await user.click(screen.getByTestId("upload-left"));

    const xhr = Xhr.sent[0]!;
    expect(xhr.url).toBe(`/api/v1/fittings/${FITTING_ID}/photos`);
    const form = xhr.body as FormData;
    expect(form.get("side")).toBe("left");
    expect(form.get("image")).toBeInstanceOf(File);

    act(() => xhr.progress(40, 100));
    expect(screen.getByTestId("upload-progress-left")).toHaveValue(40);
    act(() => xhr.finishUpload());
    expect(screen.getByText("Measuring…")).toBeInTheDocument();
    // Leaving now would cancel the upload, so the way on waits for the answer.
    expect(screen.getByTestId("capture-continue")).toBeDisabled();

    act(() =>
      xhr.respond(422, {
        message: "We could not measure this photo.",
        code: "photo_quality",
        extra: {
          reasons: [
            { code: "blurry", message: "The photo is blurry." },
            { code: "no_reference_card", message: "We could not find the card beside your ear." },
          ],
          guidance: "Hold the phone still and keep the whole card in view.",
        },
      }),
    );

    const guidance = await screen.findByTestId("quality-guidance-left");
    expect(guidance).toHaveAttribute("role", "alert");
    expect(guidance).toHaveTextContent("We could not measure this photo.");
    expect(within(guidance).getAllByRole("listitem").map((li) => li.textContent)).toEqual([
      "The photo is blurry.",
      "We could not find the card beside your ear.",
    ]);
    expect(guidance).toHaveTextContent("Hold the phone still and keep the whole card in view.");
    expect(screen.queryByText("Measuring…")).not.toBeInTheDocument();
    // The shopper can try again or move on without photos: no dead end.
    expect(screen.getByTestId("upload-left")).toBeEnabled();
    expect(screen.getByTestId("capture-skip")).toBeEnabled();
  });

  it("shows the server's message for a rejected file", async () => {
    const user = userEvent.setup();
    const Xhr = installFakeXhr();
    renderWithClient(<CaptureStep fittingId={FITTING_ID} onDone={vi.fn()} />);

    await user.upload(screen.getByTestId("file-input-right"), earJpeg());
    await user.click(await screen.findByTestId("upload-right"));
    act(() => Xhr.sent[0]!.respond(413, { message: "That photo is over 15 MB.", code: "file_too_large", extra: {} }));

    expect(await screen.findByTestId("upload-error-right")).toHaveTextContent("That photo is over 15 MB.");
  });

  it("reports a measured photo and offers the results", async () => {
    const user = userEvent.setup();
    const Xhr = installFakeXhr();
    const onDone = vi.fn();
    renderWithClient(<CaptureStep fittingId={FITTING_ID} onDone={onDone} />);

    await user.upload(screen.getByTestId("file-input-left"), earJpeg());
    await user.click(await screen.findByTestId("upload-left"));
    act(() => Xhr.sent[0]!.respond(201, photo));

    expect(await screen.findByTestId("measured-left")).toHaveTextContent("confidence 82%");
    expect(screen.queryByTestId("capture-skip")).not.toBeInTheDocument();
    await user.click(screen.getByTestId("capture-continue"));
    expect(onDone).toHaveBeenCalled();
  });

  it("lets the shopper skip photos", async () => {
    const user = userEvent.setup();
    const onDone = vi.fn();
    renderWithClient(<CaptureStep fittingId={FITTING_ID} onDone={onDone} />);
    await user.click(screen.getByRole("button", { name: /skip photos/i }));
    expect(onDone).toHaveBeenCalled();
  });

  it("refuses a file that is not a photo before uploading", async () => {
    const user = userEvent.setup({ applyAccept: false });
    const Xhr = installFakeXhr();
    renderWithClient(<CaptureStep fittingId={FITTING_ID} onDone={vi.fn()} />);
    await user.upload(screen.getByTestId("file-input-left"), new File(["%PDF"], "ear.pdf", { type: "application/pdf" }));
    expect(screen.getByRole("alert")).toHaveTextContent(/choose a photo/i);
    expect(screen.queryByTestId("upload-left")).not.toBeInTheDocument();
    expect(Xhr.sent).toHaveLength(0);
  });
});
