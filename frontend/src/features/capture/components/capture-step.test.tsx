import { act, screen } from "@testing-library/react";
import userEvent from "@testing-library/user-event";

import { FITTING_ID, keepTestFitting, photo } from "@/testing/fixtures";
import { installFakeXhr } from "@/testing/fake-xhr";
import { renderWithClient } from "@/testing/render";

import { CaptureStep } from "./capture-step";

const earJpeg = () => new File([new Uint8Array([0xff, 0xd8, 0xff, 0xe0])], "left.jpg", { type: "image/jpeg" });

const REJECTION = {
  message: "The ear is too small in the picture. Move the camera closer so the ear and the card fill most of the frame.",
  code: "photo_quality",
  extra: {
    reasons: [
      { code: "ear_too_small", message: "The ear is too small in the picture. Move the camera closer so the ear and the card fill most of the frame." },
      { code: "blurry", message: "The photo is blurry. Hold the phone steady, tap the ear to focus, and take it again." },
    ],
    warnings: [{ code: "no_reference_card", message: "We could not see the bank card, so sizes are estimates." }],
    guidance: "The ear is too small in the picture. Move the camera closer so the ear and the card fill most of the frame.",
  },
};

describe("CaptureStep", () => {
  beforeEach(() => keepTestFitting());

  it("uploads a chosen photo at once, with progress, and then waits for the measurement", async () => {
    const user = userEvent.setup();
    const Xhr = installFakeXhr();
    renderWithClient(<CaptureStep fittingId={FITTING_ID} onDone={vi.fn()} />);

    await user.upload(screen.getByTestId("file-input-left"), earJpeg());
    await vi.waitFor(() => expect(Xhr.sent).toHaveLength(1));
    const xhr = Xhr.sent[0]!;
    expect(xhr.url).toBe(`/api/v1/fittings/${FITTING_ID}/photos`);
    expect((xhr.body as FormData).get("side")).toBe("left");

    act(() => xhr.progress(40, 100));
    expect(screen.getByTestId("upload-progress-left")).toHaveValue(40);
    act(() => xhr.finishUpload());
    expect(screen.getByText("Measuring…")).toBeInTheDocument();
    // Leaving now would cancel the upload, so the way on waits for the answer.
    expect(screen.getByTestId("capture-continue")).toBeDisabled();
  });

  it("says what to change once, in the server's words, beside an example of a good photo", async () => {
    const user = userEvent.setup();
    const Xhr = installFakeXhr();
    renderWithClient(<CaptureStep fittingId={FITTING_ID} onDone={vi.fn()} />);

    await user.upload(screen.getByTestId("file-input-left"), earJpeg());
    await vi.waitFor(() => expect(Xhr.sent).toHaveLength(1));
    act(() => Xhr.sent[0]!.respond(422, REJECTION));

    const retake = await screen.findByTestId("quality-guidance-left");
    expect(retake).toHaveAttribute("role", "alert");
    expect(screen.getByTestId("retake-reason-left")).toHaveTextContent(REJECTION.message);
    // Once: the sentence is not repeated as a list of reasons or as guidance, and no code shows.
    expect(retake.textContent?.split("The ear is too small").length).toBe(2);
    expect(retake).not.toHaveTextContent(/blurry|no_reference_card|ear_too_small|card, so sizes/);
    expect(retake.querySelector("img")).toHaveAttribute("alt", expect.stringMatching(/^Example of a good photo/));
    // Nothing more to press than taking or choosing the next photo; no dead end.
    expect(screen.getByTestId("camera-open-left")).toHaveTextContent("Take another photo");
    expect(screen.getByTestId("capture-continue")).toBeEnabled();
  });

  it("says that the photo sent before still counts when its retake is rejected", async () => {
    const user = userEvent.setup();
    const Xhr = installFakeXhr();
    renderWithClient(<CaptureStep fittingId={FITTING_ID} measuredPhotos={[photo]} onDone={vi.fn()} />);
    await user.upload(screen.getByTestId("file-input-left"), earJpeg());
    await vi.waitFor(() => expect(Xhr.sent).toHaveLength(1));
    act(() => Xhr.sent[0]!.respond(422, REJECTION));
    expect(await screen.findByTestId("quality-guidance-left")).toHaveTextContent("the photo of this ear you sent before still counts");
    expect(screen.getByTestId("capture-continue")).toHaveTextContent("See my results");
  });

  it("opens the camera straight from the capture button, and sends the photo it takes", async () => {
    const user = userEvent.setup();
    const Xhr = installFakeXhr();
    const stop = vi.fn();
    const getUserMedia = vi.fn().mockResolvedValue({ getTracks: () => [{ stop }] });
    Object.defineProperty(navigator, "mediaDevices", { value: { getUserMedia }, configurable: true });
    vi.spyOn(HTMLMediaElement.prototype, "play").mockResolvedValue(undefined);
    renderWithClient(<CaptureStep fittingId={FITTING_ID} onDone={vi.fn()} />);

    await user.click(screen.getByTestId("camera-open-left"));
    expect(getUserMedia).toHaveBeenCalledTimes(1);
    const video = await screen.findByLabelText("Camera view for your left ear");
    Object.defineProperty(video, "videoWidth", { value: 640 });
    Object.defineProperty(video, "videoHeight", { value: 480 });
    act(() => video.dispatchEvent(new Event("loadeddata")));
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue({ drawImage: vi.fn() } as unknown as CanvasRenderingContext2D);
    vi.spyOn(HTMLCanvasElement.prototype, "toBlob").mockImplementation((callback, type) => callback(new Blob(["jpeg"], { type })));

    await user.click(screen.getByTestId("camera-shoot-left"));
    // No second click on an Upload button: the photo goes as soon as it is taken.
    await vi.waitFor(() => expect(Xhr.sent).toHaveLength(1));
    expect(((Xhr.sent[0]!.body as FormData).get("image") as File).type).toBe("image/jpeg");
    expect(stop).toHaveBeenCalled();
    Reflect.deleteProperty(navigator, "mediaDevices");
  });

  it("shows the server's message for a refused file, with a way to send it again", async () => {
    const user = userEvent.setup();
    const Xhr = installFakeXhr();
    renderWithClient(<CaptureStep fittingId={FITTING_ID} onDone={vi.fn()} />);

    await user.upload(screen.getByTestId("file-input-right"), earJpeg());
    await vi.waitFor(() => expect(Xhr.sent).toHaveLength(1));
    act(() => Xhr.sent[0]!.respond(413, { message: "That photo is over 15 MB.", code: "file_too_large", extra: {} }));

    expect(await screen.findByTestId("upload-error-right")).toHaveTextContent("That photo is over 15 MB.");
    await user.click(screen.getByTestId("upload-right"));
    expect(Xhr.sent).toHaveLength(2);
  });

  it("reports a measured photo in millimetres only when the card gave the scale", async () => {
    const user = userEvent.setup();
    const Xhr = installFakeXhr();
    const onDone = vi.fn();
    renderWithClient(<CaptureStep fittingId={FITTING_ID} onDone={onDone} />);

    expect(screen.getByTestId("capture-continue")).toHaveTextContent("See results from my answers only");
    await user.upload(screen.getByTestId("file-input-left"), earJpeg());
    await vi.waitFor(() => expect(Xhr.sent).toHaveLength(1));
    act(() => Xhr.sent[0]!.respond(201, photo));
    expect(await screen.findByTestId("measured-left")).toHaveTextContent("in millimetres from the card (confidence 82%)");

    await user.upload(screen.getByTestId("file-input-right"), earJpeg());
    await vi.waitFor(() => expect(Xhr.sent).toHaveLength(2));
    act(() => Xhr.sent[1]!.respond(201, { ...photo, side: "right", scale: "relative" }));
    expect(await screen.findByTestId("measured-right")).toHaveTextContent("not its size in millimetres");
    expect(screen.getByTestId("measured-right")).not.toHaveTextContent(/confidence|in millimetres from/);

    await user.click(screen.getByTestId("capture-continue"));
    expect(screen.getByTestId("capture-continue")).toHaveTextContent("See my results");
    expect(onDone).toHaveBeenCalled();
  });

  it("shows the photos already measured after a reload", () => {
    renderWithClient(<CaptureStep fittingId={FITTING_ID} measuredPhotos={[photo]} onDone={vi.fn()} />);
    expect(screen.getByTestId("measured-left")).toBeInTheDocument();
    expect(screen.getByTestId("camera-open-left")).toHaveTextContent("Take another photo");
    expect(screen.getByTestId("capture-continue")).toHaveTextContent("See my results");
  });

  it("refuses a file that is not a photo before uploading", async () => {
    const user = userEvent.setup({ applyAccept: false });
    const Xhr = installFakeXhr();
    renderWithClient(<CaptureStep fittingId={FITTING_ID} onDone={vi.fn()} />);
    await user.upload(screen.getByTestId("file-input-left"), new File(["%PDF"], "ear.pdf", { type: "application/pdf" }));
    expect(screen.getByRole("alert")).toHaveTextContent(/choose a photo/i);
    expect(Xhr.sent).toHaveLength(0);
  });
});
