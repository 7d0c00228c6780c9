"""Fittings: one shopper's answers, consent, recommendations, feedback, and erasure."""
