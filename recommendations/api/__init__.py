"""The shopper API: one module per concern, shared pieces in `common.py`, routes in `urls.py`."""
