"""The questionnaire: its versioned content, the validation of answers, and the active version.

Migration 0002 seeds version 1 from here, so these two names stay importable from the package.
"""

from recommendations.questionnaire.content import QUESTIONNAIRE_V1, QUESTIONNAIRE_V1_TITLE

__all__ = ["QUESTIONNAIRE_V1", "QUESTIONNAIRE_V1_TITLE"]
