"""Dates and times as staff read them in the admin: always with the time zone they are in.

Stored and shown in UTC (TIME_ZONE); "7 Dec 2026, 08:43:12 UTC" rather than a bare "8:43 a.m.",
so an auditor comparing the trail with a log elsewhere knows which clock it is.
"""

DATETIME_FORMAT = "j M Y, H:i:s T"
SHORT_DATETIME_FORMAT = "Y-m-d H:i:s T"
TIME_FORMAT = "H:i:s T"
DATE_FORMAT = "j M Y"
SHORT_DATE_FORMAT = "Y-m-d"
