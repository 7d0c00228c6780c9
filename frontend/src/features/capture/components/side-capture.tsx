import { useEffect, useId, useRef, useState, type ChangeEvent } from "react";

import { ErrorMessage } from "@/lib/components/error-message";
import { Spinner } from "@/lib/components/spinner";
import { preparePhoto } from "@/lib/prepare-photo";
import type { Photo, QualityReason, Side } from "@/lib/schemas";

import { photoQualityProblems, useUploadPhoto } from "../api/upload-photo";

import { CameraCapture, cameraAvailable } from "./camera-capture";

type Phase =
  | { kind: "empty" }
  | { kind: "preparing" }
  | { kind: "ready"; file: File }
  | { kind: "uploading"; file: File; progress: number }
  | { kind: "measuring"; file: File }
  | { kind: "measured"; file: File; photo: Photo }
  | { kind: "rejected"; file: File; message: string; reasons: QualityReason[]; guidance: string }
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

/** Photograph or choose, preview, upload with progress, then the measurement or retake advice. */
interface SideCaptureProps {
  fittingId: string;
  side: Side;
  onMeasured: (photo: Photo) => void;
  /** True while a photo is being prepared, uploaded or measured. */
  onBusyChange: (busy: boolean) => void;
}

export function SideCapture({ fittingId, side, onMeasured, onBusyChange }: SideCaptureProps) {
  const upload = useUploadPhoto();
  const [phase, setPhase] = useState<Phase>({ kind: "empty" });
  const [cameraOpen, setCameraOpen] = useState(false);
  const [typeError, setTypeError] = useState<string | null>(null);
  const abortRef = useRef<AbortController | null>(null);
  const inputId = useId();
  const headingId = `capture-${side}-heading`;
  const file = "file" in phase ? phase.file : null;
  const previewUrl = usePreviewUrl(file);
  const busy = phase.kind === "preparing" || phase.kind === "uploading" || phase.kind === "measuring";

  // Leaving the step (or erasing) mid-upload cancels it: a photo must not land after erasure.
  useEffect(() => () => abortRef.current?.abort(), []);
  useEffect(() => onBusyChange(busy), [busy, onBusyChange]);

  async function select(chosen: File) {
    if (!looksLikeImage(chosen)) {
      setTypeError("Please choose a photo: JPEG, PNG, WebP or HEIC.");
      return;
    }
    setTypeError(null);
    setPhase({ kind: "preparing" });
    const prepared = await preparePhoto(chosen);
    setPhase({ kind: "ready", file: prepared });
  }

  function handleFileChange(event: ChangeEvent<HTMLInputElement>) {
    const chosen = event.target.files?.[0];
    if (chosen) void select(chosen);
  }

  function startUpload() {
    if (!file || busy) return;
    const controller = new AbortController();
    abortRef.current = controller;
    setPhase({ kind: "uploading", file, progress: 0 });
    upload.mutate(
      {
        fittingId,
        side,
        file,
        signal: controller.signal,
        onProgress: (fraction) =>
          setPhase(fraction >= 1 ? { kind: "measuring", file } : { kind: "uploading", file, progress: fraction }),
      },
      {
        onSuccess: (photo) => {
          setPhase({ kind: "measured", file, photo });
          onMeasured(photo);
        },
        onError: (error) => {
          if (error instanceof DOMException && error.name === "AbortError") return;
          const quality = photoQualityProblems(error);
          if (quality) setPhase({ kind: "rejected", file, message: error.message, ...quality });
          else setPhase({ kind: "failed", file, error });
        },
      },
    );
  }

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
      ) : null}

      <div className="file-picker">
        <label htmlFor={inputId}>Choose or take a photo of your {side} ear</label>
        <input
          id={inputId}
          type="file"
          accept={ACCEPT}
          onChange={handleFileChange}
          disabled={busy}
          data-testid={`file-input-${side}`}
        />
        {typeError ? (
          <p className="field-error" role="alert">
            {typeError}
          </p>
        ) : null}
      </div>
      {!cameraOpen && cameraAvailable() ? (
        <button
          type="button"
          className="button button--secondary"
          onClick={() => setCameraOpen(true)}
          disabled={busy}
          data-testid={`camera-open-${side}`}
        >
          Use the camera instead
        </button>
      ) : null}

      {previewUrl ? (
        <img className="preview" src={previewUrl} alt={`Preview of the photo of your ${side} ear`} data-testid={`preview-${side}`} />
      ) : null}

      {file && (phase.kind === "ready" || phase.kind === "failed" || phase.kind === "rejected") ? (
        <button type="button" className="button" onClick={startUpload} data-testid={`upload-${side}`}>
          {phase.kind === "ready" ? `Upload ${side} ear photo` : `Try uploading again`}
        </button>
      ) : null}

      {phase.kind === "uploading" ? (
        <div className="progress-block">
          <label htmlFor={`${inputId}-progress`}>Uploading… {Math.round(phase.progress * 100)}%</label>
          <progress id={`${inputId}-progress`} max={100} value={Math.round(phase.progress * 100)} data-testid={`upload-progress-${side}`} />
        </div>
      ) : null}
      {phase.kind === "measuring" ? <Spinner label="Measuring…" /> : null}

      <p role="status" aria-live="polite" className="visually-hidden">
        {status}
      </p>

      {phase.kind === "measured" ? (
        <p className="success" data-testid={`measured-${side}`}>
          ✓ {SIDE_LABEL[side]} measured
          {phase.photo.scale === "relative"
            ? " — we could not find the card, so sizes are relative."
            : ` (confidence ${Math.round(phase.photo.confidence * 100)}%).`}{" "}
          You can choose another photo to replace it.
        </p>
      ) : null}

      {phase.kind === "rejected" ? (
        <div className="error" role="alert" data-testid={`quality-guidance-${side}`}>
          <p>{phase.message}</p>
          {phase.reasons.length > 0 ? (
            <ul>
              {phase.reasons.map((reason) => (
                <li key={reason.code} data-reason={reason.code}>
                  {reason.message}
                </li>
              ))}
            </ul>
          ) : null}
          {phase.guidance ? <p className="guidance">{phase.guidance}</p> : null}
          <p>Choose or take a new photo above, or upload this one again.</p>
        </div>
      ) : null}

      {phase.kind === "failed" ? <ErrorMessage error={phase.error} testId={`upload-error-${side}`} /> : null}
    </section>
  );
}
