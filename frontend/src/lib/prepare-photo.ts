/**
 * Prepare an ear photo in the browser before upload: apply EXIF orientation, downscale, and
 * re-encode as JPEG. Re-encoding through a canvas drops every metadata block (EXIF, GPS, maker
 * notes), so the shopper's location never leaves the device, and a 12 MP phone photo becomes a
 * few hundred KB. The server does the same again; this is for privacy and upload time.
 */

export const MAX_LONG_SIDE = 1280;
export const JPEG_QUALITY = 0.9;

export interface Size {
  width: number;
  height: number;
}

/**
 * The size to draw an image at so that its long side is at most `maxLongSide`, keeping the aspect
 * ratio. Never upscales; both sides stay at least 1 px.
 */
export function targetSize(width: number, height: number, maxLongSide: number = MAX_LONG_SIDE): Size {
  if (!(width > 0) || !(height > 0) || !Number.isFinite(width) || !Number.isFinite(height)) {
    throw new RangeError(`Invalid image size ${width}×${height}`);
  }
  if (!(maxLongSide >= 1)) throw new RangeError(`Invalid maximum side ${maxLongSide}`);
  const longSide = Math.max(width, height);
  if (longSide <= maxLongSide) return { width: Math.round(width), height: Math.round(height) };
  const scale = maxLongSide / longSide;
  return {
    width: Math.max(1, Math.round(width * scale)),
    height: Math.max(1, Math.round(height * scale)),
  };
}

function canvasToBlob(canvas: HTMLCanvasElement, quality: number): Promise<Blob | null> {
  return new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", quality));
}

/** Rename a file's extension to .jpg (the server checks magic bytes; the name is cosmetic). */
function jpegName(name: string): string {
  const base = name.replace(/\.[^./\\]*$/, "") || "ear-photo";
  return `${base}.jpg`;
}

/**
 * Downscale and re-encode `file`. Falls back to the original file when the browser cannot decode
 * it (HEIC on most browsers) or lacks the APIs; the server accepts and cleans the original.
 */
export async function preparePhoto(file: File): Promise<File> {
  try {
    if (typeof createImageBitmap !== "function" || typeof document === "undefined") return file;
    const bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
    try {
      const { width, height } = targetSize(bitmap.width, bitmap.height);
      const canvas = document.createElement("canvas");
      canvas.width = width;
      canvas.height = height;
      const context = canvas.getContext("2d");
      if (!context) return file;
      context.imageSmoothingQuality = "high";
      context.drawImage(bitmap, 0, 0, width, height);
      const blob = await canvasToBlob(canvas, JPEG_QUALITY);
      if (!blob || blob.size === 0) return file;
      return new File([blob], jpegName(file.name), { type: "image/jpeg", lastModified: Date.now() });
    } finally {
      bitmap.close();
    }
  } catch {
    return file;
  }
}
