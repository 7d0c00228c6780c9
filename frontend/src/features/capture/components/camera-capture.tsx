import { useEffect, useRef, useState } from "react";

import type { Side } from "@/lib/schemas";

import { EarGuide } from "./ear-guide";

export function cameraAvailable(): boolean {
  return typeof navigator !== "undefined" && typeof navigator.mediaDevices?.getUserMedia === "function";
}

interface CameraCaptureProps {
  side: Side;
  onCapture: (file: File) => void;
  onClose: () => void;
}

/** Live camera with the ear-and-card guide; "Take photo" grabs the current frame as a JPEG. */
export function CameraCapture({ side, onCapture, onClose }: CameraCaptureProps) {
  const videoRef = useRef<HTMLVideoElement>(null);
  const [facingMode, setFacingMode] = useState<"environment" | "user">("environment");
  const [error, setError] = useState<string | null>(null);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    let stream: MediaStream | null = null;
    let cancelled = false;
    setReady(false);
    setError(null);
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode, width: { ideal: 1920 }, height: { ideal: 1440 } }, audio: false })
      .then((opened) => {
        if (cancelled) {
          opened.getTracks().forEach((track) => track.stop());
          return;
        }
        stream = opened;
        const video = videoRef.current;
        if (video) {
          video.srcObject = opened;
          void video.play().catch(() => undefined);
        }
      })
      .catch(() => {
        if (!cancelled) setError("We could not open the camera. Allow camera access, or choose a photo file below instead.");
      });
    return () => {
      cancelled = true;
      stream?.getTracks().forEach((track) => track.stop());
    };
  }, [facingMode]);

  function takePhoto() {
    const video = videoRef.current;
    if (!video || !video.videoWidth) return;
    const canvas = document.createElement("canvas");
    canvas.width = video.videoWidth;
    canvas.height = video.videoHeight;
    canvas.getContext("2d")?.drawImage(video, 0, 0);
    canvas.toBlob(
      (blob) => {
        if (blob) onCapture(new File([blob], `${side}-ear-camera.jpg`, { type: "image/jpeg" }));
      },
      "image/jpeg",
      0.92,
    );
  }

  return (
    <div className="camera" data-testid={`camera-${side}`}>
      {error ? (
        <p className="field-error" role="alert">
          {error}
        </p>
      ) : (
        <div className="camera__frame">
          <video
            ref={videoRef}
            className="camera__video"
            playsInline
            muted
            autoPlay
            onLoadedData={() => setReady(true)}
            aria-label={`Camera view for your ${side} ear`}
          />
          <EarGuide side={side} />
        </div>
      )}
      <p className="help">
        Fit your ear inside the ear outline and hold the card flat against your head inside the card outline, in good
        light.
      </p>
      <div className="actions">
        {!error ? (
          <button type="button" className="button" onClick={takePhoto} disabled={!ready} data-testid={`camera-shoot-${side}`}>
            Take photo
          </button>
        ) : null}
        {!error ? (
          <button
            type="button"
            className="button button--secondary"
            onClick={() => setFacingMode((mode) => (mode === "environment" ? "user" : "environment"))}
          >
            Switch camera
          </button>
        ) : null}
        <button type="button" className="button button--secondary" onClick={onClose}>
          Close camera
        </button>
      </div>
    </div>
  );
}
