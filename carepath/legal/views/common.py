"""What the legal pathway's forms do with a refused save: carepath.core.pages, named here so the
legal views read as one set."""

from carepath.core.pages import CONFLICT, refuse_as_edit_conflict, saved  # noqa: F401
