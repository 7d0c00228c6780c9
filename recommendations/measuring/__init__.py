"""The ear-measurement model: the one bridge to `inference/` and the model versions on record."""
