"""What the legal pathway's forms do when someone else saved the record first."""

from django import forms

CONFLICT = (
    "Someone else changed this record while you were working on it. Your changes have not been "
    "saved. Check the record as it is now; saving again will replace their changes with yours."
)


def refuse_as_edit_conflict(form: forms.Form, record, message: str = CONFLICT) -> None:
    """Say so on the form, which keeps what the person typed, and take the newer version, so that
    saving again is a deliberate choice to replace the other person's changes."""
    form.add_error(None, message)
    form.data = form.data.copy()
    form.data["version"] = record.version
