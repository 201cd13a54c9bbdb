"""The base of every dated record about a child.

Every record holds two times (F21): when the thing happened (its activity date, named by
`activity_field`) and when it was recorded. Timescales use the first; data-quality reports use the
gap. `version` lets two people edit the same record without silently overwriting each other.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class DatedRecord(models.Model):
    activity_field: str = ""

    recorded_at = models.DateTimeField(default=timezone.now, help_text="When this was entered in carepath.")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)

    class Meta:
        abstract = True

    @property
    def activity_date(self):
        return getattr(self, self.activity_field) if self.activity_field else None
