"""Moving in from the legacy system: reading its export, mapping it, importing it (`import_legacy`)."""
