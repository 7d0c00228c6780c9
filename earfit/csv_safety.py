"""Spreadsheet-safe cells (OWASP "CSV injection"): a cell a spreadsheet would run as a formula is
written with a leading apostrophe, which spreadsheets show as text. Every export of the service
(the audit trail's CSV, the catalog's CSV and XLSX) writes its text cells through `csv_safe`; the
catalog's import reads them back through `csv_unsafe`, so an export imports back unchanged."""

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: str) -> str:
    """Prefix a formula-looking cell with an apostrophe so spreadsheets show it as text."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def csv_unsafe(value: str) -> str:
    """The cell as it was before `csv_safe`: only an apostrophe that `csv_safe` would add is removed."""
    return value[1:] if value.startswith("'") and value[1:].startswith(FORMULA_STARTS) else value
