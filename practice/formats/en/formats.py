"""One style for dates everywhere, day before month: "Tue 1 Dec 2026", "1 Dec 2026, 14:30".

Templates name these (`|date:"SHORT_DATE_FORMAT"`) instead of spelling a
format, so every page writes a date the same way. Input formats stay
Django's for English.
"""

from django.conf.locale.en.formats import *  # noqa: F403

# A day the reader acts on (an appointment, a calendar day): with its weekday.
DATE_FORMAT = "D j M Y"
DATETIME_FORMAT = "D j M Y, H:i"
# A date on a record (signed, submitted, sent).
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
# Within the same year, e.g. the days of a week or a slot list.
MONTH_DAY_FORMAT = "D j M"
YEAR_MONTH_FORMAT = "M Y"
TIME_FORMAT = "H:i"
