"""Ear photos: upload (validate, measure, store), private storage, the retention purge, staff views."""
