"""Optimistic locking: a change carries the version the person started from; if someone else
saved in between, the change is refused and the person keeps what they typed."""

from django.db import models


class EditConflict(Exception):
    """Someone else changed the record after this person opened it."""

    def __init__(self, record: models.Model):
        super().__init__("Someone else changed this record while you were editing it.")
        self.record = record


def save_if_unchanged(record: models.Model, *, expected_version: int, fields: list[str]) -> None:
    """Write `fields` only if the stored version is still `expected_version`, bumping it by one.
    One conditional UPDATE, so two concurrent saves cannot both succeed."""
    model = type(record)
    values = {name: getattr(record, name) for name in fields}
    updated = model.objects.filter(pk=record.pk, version=expected_version).update(
        version=models.F("version") + 1, **values
    )
    if updated != 1:
        raise EditConflict(model.objects.get(pk=record.pk))
    record.version = expected_version + 1
