"""No photo without a geometrically verified card ever carries millimetres.

Real photographs: free-licence pictures shipped in PyPI wheels (scikit-image, scikit-learn,
matplotlib), fetched by ``inference.training.negatives`` into the ignored cache the first time (pip
download; nothing is committed), viewed at phone size through the service's decode path, with and
without a drawn card pasted in. None of them shows an ear. Renders: photos drawn without a card,
and photos whose card has been replaced by a rectangle that is not a bank card.
"""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image, ImageDraw

from inference.predict import analyse_photo
from inference.registry import ModelSpec, spec_for_version
from inference.training.evaluate import phone_photo
from inference.training.negatives import Picture, load_negatives
from inference.training.renderer import render_photo
from inference.training.scene import photo_view

VERSIONS = ("1.1.0", "2.0.0", "2.1.0")


@pytest.fixture(scope="module")
def real_photos() -> list[tuple[Picture, Image.Image]]:
    return load_negatives(registries=("pypi",))


@pytest.fixture(scope="module", params=VERSIONS)
def spec(request: pytest.FixtureRequest) -> ModelSpec:
    return spec_for_version(request.param)


def test_the_real_photographs_are_free_licence_and_recorded(real_photos: list[tuple[Picture, Image.Image]]) -> None:
    assert len(real_photos) >= 15
    for picture, image in real_photos:
        assert picture.licence
        assert len(picture.sha256) == 64
        assert picture.split in {"train", "eval"}
        assert "lfw" not in picture.member  # research-only faces are never fetched
        assert min(image.size) >= 128


def test_real_photographs_never_carry_millimetres_with_or_without_a_drawn_card(
    spec: ModelSpec, real_photos: list[tuple[Picture, Image.Image]]
) -> None:
    rng = np.random.default_rng(7)
    results = []
    for picture, image in real_photos:
        for with_card in (False, True):
            view = photo_view(image, rng, (640, 480), card=with_card)
            result = analyse_photo(phone_photo(view.image), spec=spec)
            results.append((picture.file, with_card, result))
            assert result.scale == "relative", (picture.file, with_card)
            assert result.mm_per_px is None
            assert all(m.unit == "ratio" for m in result.measurements)
    assert len(results) == 2 * len(real_photos)


@pytest.mark.parametrize("style", ["photo", "flat"])
def test_renders_without_a_card_never_carry_millimetres(spec: ModelSpec, style: str) -> None:
    for seed in range(1_000_500, 1_000_512):
        result = analyse_photo(render_photo(seed, size=(640, 480), card=False, style=style).image, spec=spec)
        assert result.scale == "relative"
        assert result.mm_per_px is None
        assert not result.card_verified


def test_a_rectangle_that_is_not_a_bank_card_gives_no_millimetres(spec: ModelSpec) -> None:
    truth = render_photo(1_000_101, size=(640, 480), ear=True, card=True)
    assert truth.card_corners_px is not None
    image = truth.image.copy()
    corners = truth.card_corners_px
    centre = corners.mean(axis=0)
    square = centre + (corners - centre) * np.array([0.62, 1.0])  # the card's outline squeezed to a near-square
    draw = ImageDraw.Draw(image)
    draw.polygon([tuple(p) for p in corners], fill=(120, 110, 100))
    draw.polygon([tuple(p) for p in square], fill=(20, 60, 150))
    result = analyse_photo(image, spec=spec)
    assert result.scale == "relative"
    assert not result.card_verified
