"""Errors the inference package raises; the Django side maps them onto its one error shape."""

from __future__ import annotations

from typing import Final

# code -> (HTTP status suggestion, message for the shopper saying how to fix it)
PHOTO_ERRORS: Final[dict[str, tuple[int, str]]] = {
    "empty_file": (400, "The photo file is empty. Please choose the photo again or take a new one."),
    "file_too_large": (
        413,
        "The photo file is too large. Please take it again at a normal camera setting, or send a smaller copy.",
    ),
    "unsupported_type": (
        415,
        "This file is not a photo we can read. Please send a JPEG, PNG, WebP or HEIC photo straight from your camera.",
    ),
    "corrupt_image": (
        422,
        "The photo could not be read: the file looks damaged or incomplete. Please take or send the photo again.",
    ),
    "too_many_pixels": (
        413,
        "The photo has too many pixels for us to process. Please take it again at a normal camera "
        "resolution (12 megapixels is plenty).",
    ),
    "bad_dimensions": (
        422,
        "The photo is too small or too narrow to show an ear. Please take an ordinary photo of your "
        "ear with the phone's camera app, or send the photo as it came from the camera.",
    ),
    "polyglot": (
        422,
        "The photo file carries extra data that is not part of the picture (for example a live or "
        "motion photo, or another file attached to it). Please send a plain still photo, for "
        "example by taking a screenshot of it or turning off Live/Motion Photo.",
    ),
}


class PhotoRejected(Exception):
    """A photo that cannot be used, with a machine code, a shopper-facing sentence and a status."""

    def __init__(self, code: str, message: str | None = None, *, detail: str = "") -> None:
        status, default_message = PHOTO_ERRORS.get(code, (422, "The photo could not be used."))
        self.code = code
        self.message = message or default_message
        self.status = status
        # Technical detail for logs; never shown to the shopper.
        self.detail = detail
        super().__init__(f"{code}: {detail or self.message}")


class ModelIntegrityError(Exception):
    """The model file does not match the sha256 its card pins: refuse to run it."""


class ModelUnavailable(Exception):
    """The model (card or file) cannot be found or loaded; the service should answer 503."""
