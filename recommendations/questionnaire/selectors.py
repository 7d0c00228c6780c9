"""Reads of the questionnaire."""

from django.http import Http404

from recommendations.models import Questionnaire


def questionnaire_get_active() -> Questionnaire:
    questionnaire = Questionnaire.objects.filter(active=True).first()
    if questionnaire is None:
        raise Http404("No questionnaire is active.")
    return questionnaire
