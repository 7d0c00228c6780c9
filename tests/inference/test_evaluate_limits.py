"""The evaluation decodes phone photos at the scale the service does."""

from django.conf import settings

from inference.training.evaluate import EVALUATION_STORED_LONG_SIDE


def test_evaluation_decodes_at_the_services_stored_long_side() -> None:
    assert settings.PHOTO_STORED_LONG_SIDE == EVALUATION_STORED_LONG_SIDE
