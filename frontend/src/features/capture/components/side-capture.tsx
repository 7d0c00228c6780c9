import { useEffect, useId, useRef, useState, type ChangeEvent } from "react";

import { ErrorMessage } from "@/lib/components/error-message";
import { Spinner } from "@/lib/components/spinner";
import { preparePhoto } from "@/lib/prepare-photo";
import type { Photo, Side } from "@/lib/schemas";

import { isPhotoRejection, useUploadPhoto } from "../api/upload-photo";

import { CameraCapture, cameraAvailable } from "./camera-capture";
import { GoodPhotoExample } from "./good-photo-example";

type Phase =
  | { kind: "empty" }
  | { kind: "preparing" }
  | { kind: "uploading"; file: File; progress: number }
  | { kind: "measuring"; file: File }
  | { kind: "measured"; file: File; photo: Photo }
  | { kind: "rejected"; file: File; message: string }
  | { kind: "failed"; file: File; error: unknown };

const SIDE_LABEL: Record<Side, string> = { left: "Left ear", right: "Right ear" };
const ACCEPT = "image/jpeg,image/png,image/webp,image/heic,image/heif,.heic,.heif";

function looksLikeImage(file: File): boolean {
  return file.type.startsWith("image/") || /\.(jpe?g|png|webp|heic|heif)$/i.test(file.name);
}

function usePreviewUrl(file: File | null): string | null {
  const [url, setUrl] = useState<string | null>(null);
  useEffect(() => {
    if (!file) {
      setUrl(null);
      return;
    }
    const objectUrl = URL.createObjectURL(file);
    setUrl(objectUrl);
    return () => URL.revokeObjectURL(objectUrl);
  }, [file]);
  return url;
}

interface SideCaptureProps {
  fittingId: string;
  side: Side;
  /** The photo already measured for this side (after a reload), if any. */
  measured?: Photo | null;
  onMeasured: (photo: Photo) => void;
  /** True while a photo is being prepared, uploaded or measured. */
  onBusyChange: (busy: boolean) => void;
}

/**
 * One ear: take a photo (the live camera opens at once where the browser has one, else the
 * phone's camera through the file input) or choose a file; either is uploaded straight away.
 * A photo that cannot be measured gets the server's one sentence on what to change, once, beside
 * an example of a good photo.
 */
export function SideCapture({ fittingId, side, measured = null, onMeasured, onBusyChange }: SideCaptureProps) {
  const upload = useUploadPhoto();
  const [phase, setPhase] = useState<Phase>({ kind: "empty" });
  const [cameraOpen, setCameraOpen] = useState(false);
  const [typeError, setTypeError] = useState<string | null>(null);
  const abortRef = useRef<AbortController | null>(null);
  const cameraInput = useRef<HTMLInputElement>(null);
  const inputId = useId();
  const headingId = `capture-${side}-heading`;
  const file = "file" in phase ? phase.file : null;
  const previewUrl = usePreviewUrl(file);
  const busy = phase.kind === "preparing" || phase.kind === "uploading" || phase.kind === "measuring";
  const photo = phase.kind === "measured" ? phase.photo : phase.kind === "empty" ? measured : null;

  // Leaving the step (or erasing) mid-upload cancels it: a photo must not land after erasure.
  useEffect(() => () => abortRef.current?.abort(), []);
  useEffect(() => onBusyChange(busy), [busy, onBusyChange]);

  function send(chosen: File) {
    const controller = new AbortController();
    abortRef.current = controller;
    setPhase({ kind: "uploading", file: chosen, progress: 0 });
    upload.mutate(
      {
        fittingId,
        side,
        file: chosen,
        signal: controller.signal,
        onProgress: (fraction) =>
          setPhase(fraction >= 1 ? { kind: "measuring", file: chosen } : { kind: "uploading", file: chosen, progress: fraction }),
      },
      {
        onSuccess: (result) => {
          setPhase({ kind: "measured", file: chosen, photo: result });
          onMeasured(result);
        },
        onError: (error) => {
          if (error instanceof DOMException && error.name === "AbortError") return;
          if (isPhotoRejection(error)) setPhase({ kind: "rejected", file: chosen, message: error.message });
          else setPhase({ kind: "failed", file: chosen, error });
        },
      },
    );
  }

  async function select(chosen: File) {
    if (!looksLikeImage(chosen)) {
      setTypeError("Please choose a photo: JPEG, PNG, WebP or HEIC.");
      return;
    }
    setTypeError(null);
    setPhase({ kind: "preparing" });
    send(await preparePhoto(chosen));
  }

  function handleFileChange(event: ChangeEvent<HTMLInputElement>) {
    const chosen = event.target.files?.[0];
    event.target.value = "";
    if (chosen) void select(chosen);
  }

  function takePhoto() {
    if (cameraAvailable()) setCameraOpen(true);
    else cameraInput.current?.click();
  }

  const again = photo !== null || phase.kind === "rejected" || phase.kind === "failed";
  let status = "";
  if (phase.kind === "preparing") status = "Preparing photo…";
  else if (phase.kind === "uploading") status = "Uploading…";
  else if (phase.kind === "measured") status = `${SIDE_LABEL[side]} measured.`;
  else if (phase.kind === "rejected") status = "This photo could not be measured.";

  return (
    <section className="capture-side" aria-labelledby={headingId} data-testid={`capture-${side}`}>
      <h2 id={headingId}>{SIDE_LABEL[side]}</h2>

      {cameraOpen ? (
        <CameraCapture
          side={side}
          onCapture={(captured) => {
            setCameraOpen(false);
            void select(captured);
          }}
          onClose={() => setCameraOpen(false)}
        />
      ) : (
        <div className="actions">
          <button type="button" className="button" onClick={takePhoto} disabled={busy} data-testid={`camera-open-${side}`}>
            {again ? "Take another photo" : "Take a photo"}
          </button>
          <label htmlFor={inputId} className="button button--secondary file-button" data-disabled={busy || undefined}>
            {again ? "Choose another file" : "Choose a file"}
            <span className="visually-hidden"> for your {side} ear</span>
          </label>
        </div>
      )}
      <input
        id={inputId}
        className="file-input"
        type="file"
        accept={ACCEPT}
        onChange={handleFileChange}
        disabled={busy}
        data-testid={`file-input-${side}`}
      />
      {/* Phones open their camera straight from this input; it is the fallback without getUserMedia. */}
      <input
        ref={cameraInput}
        type="file"
        accept="image/*"
        capture="environment"
        onChange={handleFileChange}
        hidden
        disabled={busy}
      />
      {typeError ? (
        <p className="field-error" role="alert">
          {typeError}
        </p>
      ) : null}

      {previewUrl ? (
        <img className="preview" src={previewUrl} alt={`The photo of your ${side} ear you sent`} data-testid={`preview-${side}`} />
      ) : null}

      {phase.kind === "uploading" ? (
        <div className="progress-block">
          <label htmlFor={`${inputId}-progress`}>Uploading… {Math.round(phase.progress * 100)}%</label>
          <progress id={`${inputId}-progress`} max={100} value={Math.round(phase.progress * 100)} data-testid={`upload-progress-${side}`} />
        </div>
      ) : null}
      {phase.kind === "preparing" || phase.kind === "measuring" ? (
        <Spinner label={phase.kind === "preparing" ? "Preparing the photo…" : "Measuring…"} />
      ) : null}

      <p role="status" aria-live="polite" className="visually-hidden">
        {status}
      </p>

      {photo ? (
        <p className="success" data-testid={`measured-${side}`}>
          ✓ {SIDE_LABEL[side]} measured
          {photo.scale === "mm"
            ? `, in millimetres from the card (confidence ${Math.round(photo.confidence * 100)}%).`
            : ". We could not see the card, so we know your ear's proportions but not its size in millimetres."}
        </p>
      ) : null}

      {phase.kind === "rejected" ? (
        <div className="retake" role="alert" data-testid={`quality-guidance-${side}`}>
          <div>
            <h3 className="retake__heading">Please take this photo again</h3>
            <p data-testid={`retake-reason-${side}`}>{phase.message}</p>
            {measured ? <p className="small">Until then, the photo of this ear you sent before still counts.</p> : null}
          </div>
          <GoodPhotoExample compact />
        </div>
      ) : null}

      {phase.kind === "failed" ? (
        <ErrorMessage error={phase.error} testId={`upload-error-${side}`}>
          <button type="button" className="button" onClick={() => send(phase.file)} data-testid={`upload-${side}`}>
            Send this photo again
          </button>
        </ErrorMessage>
      ) : null}
    </section>
  );
}
