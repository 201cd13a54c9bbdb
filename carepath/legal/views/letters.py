"""Pages for letters before proceedings (F14): the letters of a pre-proceedings, a letter with its
quality checklist, editing, sending, downloads (Word and PDF), and the authority's templates and
list of local solicitors."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from carepath.core.concurrency import EditConflict
from carepath.core.govuk_forms import add_service_errors
from carepath.core.permissions import Function

from ..forms_letters import (
    ChangeFormSet,
    LetterForm,
    SendForm,
    SolicitorForm,
    SupportFormSet,
    TemplateUploadForm,
    row_values,
)
from ..letters.context import VARIABLES
from ..letters.readability import PLAIN_ENGLISH, describe
from ..letters.rendering import DOCX, DOCX_MIME, HTML, default_docx, default_html, render_docx, render_pdf
from ..models import LetterBeforeProceedings, LetterTemplate, LocalSolicitor, PreProceedings
from ..selectors import letters as selectors
from ..services import letters as services

DRAFT = LetterBeforeProceedings.Status.DRAFT


def _letter_page(request, page, *, send_form=None):
    letter = page.letter
    checklist = selectors.checklist_for(page.data) if letter.status == DRAFT else None
    score = letter.readability if letter.status != DRAFT else (checklist.readability if checklist else None)
    user = request.user
    can_edit = selectors.may_use_for_all(user, page.children, Function.RECORD_LEGAL)
    can_send = selectors.may_use_for_all(user, page.children, Function.SEND_LETTER)
    if send_form is None and letter.status == DRAFT and can_send:
        send_form = SendForm(initial={"version": letter.version, "sent_on": timezone.localdate()})
    return render(
        request,
        "legal/letters/letter.html",
        {
            "page": page,
            "letter": letter,
            "checklist": checklist,
            "score": score,
            "score_meaning": describe(score) if score is not None else "",
            "plain_english": PLAIN_ENGLISH,
            "can_edit": can_edit and letter.status == DRAFT,
            "can_redraft": can_edit and letter.status != DRAFT,
            "can_send": can_send and letter.status == DRAFT,
            "send_form": send_form,
            "context": page.data,
        },
    )


@login_required
def pre_proceedings_letters(request, pk):
    page = selectors.pre_proceedings_letters(actor=request.user, pre_proceedings_id=pk)
    return render(request, "legal/letters/list.html", {"page": page})


@login_required
@require_POST
def letters_draft(request, pk):
    pre_proceedings = get_object_or_404(PreProceedings, pk=pk)
    try:
        drafts = services.letters_draft_for(actor=request.user, pre_proceedings=pre_proceedings)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        if drafts:
            names = ", ".join(str(d.recipient) for d in drafts)
            messages.success(request, f"Draft letters written to {names}.")
        else:
            messages.info(request, "Everyone with parental responsibility already has a letter.")
    return redirect("legal:pre-proceedings-letters", pk=pk)


@login_required
def letter_detail(request, pk):
    page = selectors.letter_for_reading(actor=request.user, letter_id=pk, what="Letter before proceedings")
    return _letter_page(request, page)


def _initial_rows(letter):
    changes = [{"who": c.who, "what": c.what, "by_when": c.by_when} for c in letter.changes.all()]
    support = [
        {
            "what": s.what,
            "who": s.who,
            "starts_on": s.starts_on,
            "how_long": s.how_long,
            "is_assessment": s.is_assessment,
            "why": s.why,
        }
        for s in letter.support.all()
    ]
    return changes, support


def _error_list(form, *formsets) -> list[dict]:
    """One error summary for the letter and its rows, each error linking to its box."""
    found = [{"href": "", "text": e} for e in form.non_field_errors()]
    for each in (form, *(row for formset in formsets for row in formset.forms)):
        for name, errors in each.errors.items():
            if name == "__all__" or name not in each.fields:
                continue
            field = each[name]
            target = field.auto_id or f"id_{field.html_name}"
            if isinstance(field.field.widget, forms.MultiWidget):
                target += "-day"
            found += [{"href": f"#{target}", "text": e} for e in errors]
    return found


@login_required
def letter_edit(request, pk):
    page = selectors.letter_for_reading(
        actor=request.user,
        letter_id=pk,
        what="Edit letter before proceedings",
        to_use_for=Function.RECORD_LEGAL,
    )
    letter = page.letter
    if letter.status != DRAFT:
        messages.info(request, services.SENT_LETTER_MESSAGE)
        return redirect("legal:letter", pk=letter.pk)
    conflict = None
    if request.method == "POST":
        form = LetterForm(request.POST)
        changes = ChangeFormSet(request.POST, prefix="changes")
        support = SupportFormSet(request.POST, prefix="support")
        if form.is_valid() and changes.is_valid() and support.is_valid():
            data = dict(form.cleaned_data)
            expected = data.pop("version")
            try:
                services.letter_update(
                    actor=request.user,
                    letter=letter,
                    expected_version=expected,
                    changes=row_values(changes),
                    support=row_values(support),
                    **data,
                )
            except EditConflict as error:
                conflict = error.record
                form.add_error(
                    None,
                    "Someone else changed this letter while you were editing it. Your changes have not been "
                    "saved. Check the letter's page to see theirs, then save again to keep yours.",
                )
                form.data = form.data.copy()
                form.data["version"] = conflict.version
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, "The letter has been saved.")
                if "more_rows" in request.POST:
                    return redirect("legal:letter-edit", pk=letter.pk)
                return redirect("legal:letter", pk=letter.pk)
    else:
        initial_changes, initial_support = _initial_rows(letter)
        form = LetterForm(
            initial={
                "version": letter.version,
                **{name: getattr(letter, name) for name in services.LETTER_FIELDS},
            }
        )
        changes = ChangeFormSet(prefix="changes", initial=initial_changes)
        support = SupportFormSet(prefix="support", initial=initial_support)
    errors = _error_list(form, changes, support)
    return render(
        request,
        "legal/letters/edit.html",
        {
            "page": page,
            "letter": letter,
            "form": form,
            "changes": changes,
            "support": support,
            "errors": errors,
            "conflict": conflict,
        },
    )


@login_required
@require_POST
def letter_send(request, pk):
    page = selectors.letter_for_reading(
        actor=request.user,
        letter_id=pk,
        what="Send letter before proceedings",
        to_use_for=Function.SEND_LETTER,
    )
    letter = page.letter
    form = SendForm(request.POST)
    if form.is_valid():
        try:
            services.letter_send(
                actor=request.user,
                letter=letter,
                sent_on=form.cleaned_data["sent_on"],
                expected_version=form.cleaned_data["version"],
            )
        except EditConflict as error:
            form.add_error(
                None,
                "Someone else changed this letter after you opened it. Check it again before you send it.",
            )
            form.data = form.data.copy()
            form.data["version"] = error.record.version
            # Show the letter as it is now, not as this person last saw it.
            page = selectors.letter_for_reading(
                actor=request.user, letter_id=pk, what="Letter before proceedings"
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(request, f"The letter to {letter.recipient} has been recorded as sent.")
            return redirect("legal:letter", pk=letter.pk)
    return _letter_page(request, page, send_form=form)


@login_required
@require_POST
def letter_redraft(request, pk):
    page = selectors.letter_for_reading(
        actor=request.user, letter_id=pk, what="Letter before proceedings", to_use_for=Function.RECORD_LEGAL
    )
    try:
        copy = services.letter_redraft(actor=request.user, letter=page.letter)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect("legal:letter", pk=pk)
    messages.success(request, f"A new draft letter to {copy.recipient} has been written from the sent one.")
    return redirect("legal:letter-edit", pk=copy.pk)


def _download(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    # The file name carries no one's name: the letter's number only.
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def letter_docx(request, pk):
    page = selectors.letter_for_reading(
        actor=request.user, letter_id=pk, what="Letter before proceedings (DOCX)"
    )
    stored = page.letter.sent_docx
    content = bytes(stored) if stored else render_docx(page.data, selectors.docx_template_bytes())
    return _download(content, DOCX_MIME, f"letter-before-proceedings-{pk}.docx")


@login_required
def letter_pdf(request, pk):
    page = selectors.letter_for_reading(
        actor=request.user, letter_id=pk, what="Letter before proceedings (PDF)"
    )
    stored = page.letter.sent_pdf
    content = bytes(stored) if stored else render_pdf(page.data, selectors.html_template_text())
    return _download(content, "application/pdf", f"letter-before-proceedings-{pk}.pdf")


# -- the authority's templates and solicitors ------------------------------------------------------------


def _templates_page(request, *, upload_form=None, solicitor_form=None):
    context = selectors.letter_templates(actor=request.user)
    context["upload_form"] = upload_form or TemplateUploadForm()
    context["solicitor_form"] = solicitor_form or SolicitorForm()
    return render(request, "legal/letters/templates.html", context)


@login_required
def letter_templates(request):
    if request.method != "POST":
        return _templates_page(request)
    if not request.user.can(Function.MANAGE_LETTER_TEMPLATES):
        raise PermissionDenied("Your role does not allow you to change letter templates.")
    if "add_solicitor" in request.POST:
        form = SolicitorForm(request.POST)
        if form.is_valid():
            try:
                solicitor = services.local_solicitor_add(actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, f"{solicitor.firm} has been added to the list of local solicitors.")
                return redirect("legal:letter-templates")
        return _templates_page(request, solicitor_form=form)
    form = TemplateUploadForm(request.POST, request.FILES)
    if form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            template, warnings = services.letter_template_upload(
                actor=request.user,
                format=form.cleaned_data["format"],
                name=form.cleaned_data["name"],
                content=upload.read(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request, f"“{template.name}” worked with a sample letter and is now used for every letter."
            )
            for warning in warnings:
                messages.warning(request, warning)
            return redirect("legal:letter-templates")
    return _templates_page(request, upload_form=form)


@login_required
@require_POST
def letter_template_deactivate(request, pk):
    template = get_object_or_404(LetterTemplate, pk=pk)
    services.letter_template_deactivate(actor=request.user, template=template)
    messages.success(request, f"“{template.name}” is no longer used.")
    return redirect("legal:letter-templates")


@login_required
@require_POST
def local_solicitor_active(request, pk):
    solicitor = get_object_or_404(LocalSolicitor, pk=pk)
    active = request.POST.get("active") == "yes"
    services.local_solicitor_set_active(actor=request.user, solicitor=solicitor, active=active)
    if active:
        messages.success(request, f"{solicitor.firm} is back on the list given in letters.")
    else:
        messages.success(request, f"{solicitor.firm} has been taken off the list given in letters.")
    return redirect(reverse("legal:letter-templates") + "#solicitors")


@login_required
def letter_template_variables(request):
    if not (request.user.can(Function.MANAGE_LETTER_TEMPLATES) or request.user.can(Function.VIEW_LEGAL)):
        raise PermissionDenied("Your role does not include the legal pathway.")
    return render(request, "legal/letters/variables.html", {"variables": VARIABLES})


@login_required
def letter_template_default(request, format):
    if not request.user.can(Function.MANAGE_LETTER_TEMPLATES):
        raise PermissionDenied("Your role does not allow you to change letter templates.")
    if format == DOCX:
        return _download(default_docx(), DOCX_MIME, "letter-before-proceedings-template.docx")
    if format == HTML:
        return _download(
            default_html().encode("utf-8"),
            "text/plain; charset=utf-8",
            "letter-before-proceedings-template.html",
        )
    raise PermissionDenied("Unknown format.")


urlpatterns = [
    path("legal/pre-proceedings/<int:pk>/letters/", pre_proceedings_letters, name="pre-proceedings-letters"),
    path("legal/pre-proceedings/<int:pk>/letters/draft/", letters_draft, name="letters-draft"),
    path("legal/letters/<int:pk>/", letter_detail, name="letter"),
    path("legal/letters/<int:pk>/edit/", letter_edit, name="letter-edit"),
    path("legal/letters/<int:pk>/send/", letter_send, name="letter-send"),
    path("legal/letters/<int:pk>/new-letter/", letter_redraft, name="letter-redraft"),
    path("legal/letters/<int:pk>/letter.docx", letter_docx, name="letter-docx"),
    path("legal/letters/<int:pk>/letter.pdf", letter_pdf, name="letter-pdf"),
    path("legal/letter-templates/", letter_templates, name="letter-templates"),
    path("legal/letter-templates/variables/", letter_template_variables, name="letter-template-variables"),
    path(
        "legal/letter-templates/<int:pk>/stop-using/",
        letter_template_deactivate,
        name="letter-template-deactivate",
    ),
    path(
        "legal/letter-templates/default.<str:format>", letter_template_default, name="letter-template-default"
    ),
    path("legal/local-solicitors/<int:pk>/active/", local_solicitor_active, name="local-solicitor-active"),
]
