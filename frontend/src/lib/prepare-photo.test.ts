import { MAX_LONG_SIDE, preparePhoto, targetSize } from "./prepare-photo";

describe("targetSize", () => {
  it("shrinks a landscape photo so its long side is the limit", () => {
    expect(targetSize(4032, 3024)).toEqual({ width: 1280, height: 960 });
  });

  it("shrinks a portrait photo by its height", () => {
    expect(targetSize(3024, 4032)).toEqual({ width: 960, height: 1280 });
  });

  it("never upscales a small photo", () => {
    expect(targetSize(800, 600)).toEqual({ width: 800, height: 600 });
    expect(targetSize(MAX_LONG_SIDE, 10)).toEqual({ width: MAX_LONG_SIDE, height: 10 });
  });

  it("keeps the aspect ratio within rounding and at least one pixel", () => {
    const { width, height } = targetSize(5000, 3333);
    expect(width).toBe(1280);
    expect(height).toBe(853);
    expect(targetSize(100000, 10)).toEqual({ width: 1280, height: 1 });
  });

  it("honours a custom limit", () => {
    expect(targetSize(2000, 1000, 500)).toEqual({ width: 500, height: 250 });
  });

  it("rejects impossible sizes", () => {
    expect(() => targetSize(0, 100)).toThrow(RangeError);
    expect(() => targetSize(Number.NaN, 100)).toThrow(RangeError);
    expect(() => targetSize(100, 100, 0)).toThrow(RangeError);
  });
});

describe("preparePhoto", () => {
  it("falls back to the original file when the browser cannot decode it", async () => {
    const file = new File(["not really an image"], "ear.heic", { type: "image/heic" });
    vi.stubGlobal("createImageBitmap", vi.fn().mockRejectedValue(new DOMException("cannot decode", "InvalidStateError")));
    await expect(preparePhoto(file)).resolves.toBe(file);
  });

  it("draws a downscaled, EXIF-oriented JPEG when the browser can", async () => {
    const close = vi.fn();
    const createImageBitmap = vi.fn().mockResolvedValue({ width: 4000, height: 3000, close });
    vi.stubGlobal("createImageBitmap", createImageBitmap);
    const drawImage = vi.fn();
    vi.spyOn(HTMLCanvasElement.prototype, "getContext").mockReturnValue({ drawImage } as unknown as CanvasRenderingContext2D);
    vi.spyOn(HTMLCanvasElement.prototype, "toBlob").mockImplementation(function (callback, type) {
      callback(new Blob(["jpeg-bytes"], { type }));
    });

    const file = new File(["original"], "IMG_0001.HEIC.png", { type: "image/png" });
    const prepared = await preparePhoto(file);

    expect(createImageBitmap).toHaveBeenCalledWith(file, { imageOrientation: "from-image" });
    expect(drawImage).toHaveBeenCalledWith(expect.anything(), 0, 0, 1280, 960);
    expect(prepared).not.toBe(file);
    expect(prepared.type).toBe("image/jpeg");
    expect(prepared.name).toBe("IMG_0001.HEIC.jpg");
    expect(close).toHaveBeenCalled();
  });
});
