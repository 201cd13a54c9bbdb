"""What pages do with a refused save (the service's reasons, or someone else having saved the
record first) and with long lists."""

from collections.abc import Callable

from django import forms
from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator

from carepath.core.concurrency import EditConflict
from carepath.core.govuk_forms import add_service_errors

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


def saved(form: forms.Form, save: Callable[[], object], conflict: str = CONFLICT) -> bool:
    """Run the service a submitted form asks for. A refusal goes on the form, which keeps what the
    person typed: the service's reasons by field, or that someone else saved first."""
    try:
        save()
    except EditConflict as error:
        refuse_as_edit_conflict(form, error.record, conflict)
        return False
    except ValidationError as error:
        add_service_errors(form, error)
        return False
    return True


# Long lists: an authority-wide reader (a director, the panel, a solicitor) sees hundreds of rows,
# and rendering them all made the lists slow for everyone else (benchmarks/pages.py).
PER_PAGE = 50


def paged(request, rows, *, param: str = "page", per_page: int | None = None) -> tuple[Page, str]:
    """The page of `rows` the request asks for, and the request's query without the page number
    (for the links to the other pages)."""
    query = request.GET.copy()
    query.pop(param, None)
    return Paginator(rows, per_page or PER_PAGE).get_page(request.GET.get(param)), query.urlencode()
