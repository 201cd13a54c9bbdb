"""Forms for letters before proceedings. The change and support items are rows of a formset that
works without JavaScript: each time the page is shown it has three blank rows more, blank rows are
ignored, and clearing a row removes it."""

from __future__ import annotations

from django import forms

from carepath.core.govuk_forms import GovukDateField, GovukDateTimeField

from .models import LetterTemplate

BLANK_ROWS = 3


def _area(rows: int = 5) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class LetterForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    concerns = forms.CharField(
        label="Why we are worried",
        required=False,
        widget=_area(6),
        help_text="What has happened to the children, in words the parent will understand.",
    )
    history = forms.CharField(
        label="What has happened before",
        required=False,
        widget=_area(),
        help_text="A short summary of the history, and of the help already offered.",
    )
    consequences = forms.CharField(
        label="What will happen if things do not change",
        required=False,
        widget=_area(4),
        help_text="For example: we may ask the family court to decide where the children should live.",
    )
    meeting_at = GovukDateTimeField(
        allow_future=True,
        label="Date and time of the meeting",
        required=False,
        help_text="Give at least 5 working days' notice. Use the 24-hour clock, like 14 30.",
    )
    meeting_place = forms.CharField(
        label="Where the meeting is",
        max_length=300,
        required=False,
        help_text="The address, or say that it is online and how to join.",
    )
    fgdm_offer = forms.CharField(
        label="The offer of a family group meeting",
        required=False,
        widget=_area(5),
        help_text="The law says the offer must be in the letter. Change the words if you need to.",
    )
    contact_name = forms.CharField(label="Who to contact", max_length=200, required=False)
    contact_phone = forms.CharField(label="Their phone number", max_length=40, required=False)
    language = forms.CharField(
        label="Language the letter will also be given in",
        max_length=50,
        required=False,
        help_text="Leave blank for English only.",
    )
    separate_letter_reason = forms.CharField(
        label="Why this person gets a separate letter (optional)",
        max_length=300,
        required=False,
        help_text="For example, domestic abuse. This is not printed in the letter.",
    )


class _Row(forms.Form):
    """A row: blank, or complete. The messages name the row, as the page numbers them."""

    needed: dict[str, str] = {}

    def clean(self):
        data = super().clean()
        filled = [
            name for name in self.fields if name != "is_assessment" and data.get(name) not in (None, "")
        ]
        if filled:
            for name, message in self.needed.items():
                if data.get(name) in (None, "") and name not in self.errors:
                    self.add_error(name, message)
        return data

    @property
    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {}) or {}
        return not any(data.get(n) not in (None, "", False) for n in self.fields if n != "is_assessment")


class ChangeRowForm(_Row):
    who = forms.CharField(
        label="Who", max_length=200, required=False, help_text="For example: You, or You and Alex"
    )
    what = forms.CharField(label="What must change", required=False, widget=_area(2))
    by_when = GovukDateField(label="By when", allow_future=True, required=False)

    needed = {
        "who": "Say who must do this",
        "what": "Say what must change",
        "by_when": "Enter the date it must be done by",
    }


class SupportRowForm(_Row):
    what = forms.CharField(label="What", required=False, widget=_area(2))
    is_assessment = forms.BooleanField(label="This is an assessment", required=False)
    why = forms.CharField(label="Why the assessment is needed", required=False, widget=_area(2))
    who = forms.CharField(label="Who will provide it", max_length=200, required=False)
    starts_on = GovukDateField(label="When it starts", allow_future=True, required=False)
    how_long = forms.CharField(
        label="How long it lasts", max_length=100, required=False, help_text="For example: 6 weeks"
    )

    needed = {
        "what": "Say what the support or assessment is",
        "who": "Say who will provide it",
        "starts_on": "Enter the date it starts",
        "how_long": "Say how long it lasts",
    }


ChangeFormSet = forms.formset_factory(ChangeRowForm, extra=BLANK_ROWS)
SupportFormSet = forms.formset_factory(SupportRowForm, extra=BLANK_ROWS)


def row_values(formset) -> list[dict]:
    """Every row's values, blank rows included (the service skips them), so that the service's
    messages number rows as the page does."""
    return [dict(form.cleaned_data) for form in formset.forms if hasattr(form, "cleaned_data")]


class SendForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    sent_on = GovukDateField(label="Date the letter was sent", help_text="For example, 27 3 2026")


class TemplateUploadForm(forms.Form):
    format = forms.ChoiceField(
        label="Which template is this?",
        choices=LetterTemplate.Format.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose Word (.docx) or HTML"},
    )
    name = forms.CharField(
        label="Name",
        max_length=200,
        help_text="So you can tell versions apart, for example: Letter before proceedings, March 2026",
        error_messages={"required": "Enter a name for the template"},
    )
    file = forms.FileField(
        label="Template file", error_messages={"required": "Choose a template file to upload"}
    )

    def clean(self):
        data = super().clean()
        upload, format = data.get("file"), data.get("format")
        if upload and format:
            suffixes = (".docx",) if format == LetterTemplate.Format.DOCX else (".html", ".htm")
            if not upload.name.lower().endswith(suffixes):
                self.add_error("file", f"The file must be a {' or '.join(suffixes)} file")
        return data


class SolicitorForm(forms.Form):
    firm = forms.CharField(label="Firm", max_length=200, error_messages={"required": "Enter the firm's name"})
    address = forms.CharField(
        label="Address", widget=_area(3), error_messages={"required": "Enter the firm's address"}
    )
    phone = forms.CharField(
        label="Phone", max_length=40, error_messages={"required": "Enter the firm's phone number"}
    )
    email = forms.EmailField(
        label="Email (optional)",
        required=False,
        error_messages={"invalid": "Enter an email address in the correct format, like name@example.com"},
    )
    children_panel_accredited = forms.BooleanField(
        label="On the Law Society's Children Panel (accredited in children law)", required=False, initial=True
    )
