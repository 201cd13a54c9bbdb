"""What pages do with a refused save (the service's reasons, or someone else having saved the
record first) and with long lists."""

from collections.abc import Callable

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Page, Paginator
from django.shortcuts import redirect, render
from django.utils import timezone

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


def action_done_page(
    request,
    *,
    action,
    may_mark_done: Callable,
    refusal: str,
    what: str,
    form_class: type[forms.Form],
    mark_done: Callable[[dict], object],
    template: str,
    done_url: Callable[[], str],
):
    """The page that marks an owned, dated action done (a panel action, an audit action, a case
    direction's action): who may, checked first; the child's read logged; the form kept on a
    refusal; then back to where the action came from."""
    from carepath.core.reads import log_read  # pages are the outermost layer; reads build on people
    from carepath.people.selectors import child_access_decision

    user = request.user
    if not may_mark_done(user, action):
        raise PermissionDenied(refusal)
    decision = child_access_decision(user, action.child)
    if not decision.allowed:
        raise PermissionDenied(decision.refusal)
    log_read(user, action.child, decision, what)
    form = form_class(
        request.POST or None, initial={"version": action.version, "done_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid() and saved(form, lambda: mark_done(form.cleaned_data)):
        messages.success(request, "The action is marked done.")
        return redirect(done_url())
    return render(request, template, {"action": action, "form": form})
