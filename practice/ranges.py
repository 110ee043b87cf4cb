from django.contrib.postgres.fields import DateTimeRangeField, RangeBoundary
from django.db import models


class TsTzRange(models.Func):
    """tstzrange(start, end, '[)') for the overlap exclusion constraints."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()

    def __init__(self, start, end):
        super().__init__(start, end, RangeBoundary())
