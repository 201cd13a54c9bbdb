"""Forms for care proceedings. The services make the rules; these only collect what was typed."""

from django import forms

from carepath.core import codes
from carepath.core.govuk_forms import GovukDateField

from .forms_pre_proceedings import as_yes_no, yes_no
from .models import CareProceedings, Hearing

BLANK = [("", "Not known yet")]


class IssueForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    application = forms.ChoiceField(
        label="What does the application ask for?",
        choices=CareProceedings.Application.choices,
        widget=forms.RadioSelect,
        initial=CareProceedings.Application.CARE,
    )
    issued_on = GovukDateField(
        label="Date the court issued the application",
        help_text="Day 1 of the 26 weeks. For example, 27 3 2026",
        error_messages={"required": "Enter the date the court issued the application"},
    )
    court = forms.CharField(label="Court", max_length=200, error_messages={"required": "Enter the court"})
    case_number = forms.CharField(
        label="Court case number", max_length=40, error_messages={"required": "Enter the court's case number"}
    )
    short_notice = yes_no(
        "Was it a short-notice application?",
        help_text="Heard within 2 to 5 days of issue",
        required_message="Select whether it was a short-notice application",
    )
    short_notice_reason = forms.ChoiceField(
        label="If short notice, why?",
        choices=codes.ShortNoticeReason.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    issued_without_documents_reason = forms.CharField(
        label="If issued before every document was ready, why?",
        help_text="Only for an urgent short-notice application",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    letter_to_initiate_sent_on = GovukDateField(
        label="Date the letter telling the parents of the application was sent (optional)", required=False
    )
    parents_legal_representation = forms.ChoiceField(
        label="Did the parents have a solicitor when the application was issued?",
        choices=codes.YesNoUnknown.choices,
        widget=forms.RadioSelect,
        initial=codes.YesNoUnknown.UNKNOWN,
    )


class LetterToInitiateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    sent_on = GovukDateField(
        label="Date the letter telling the parents of the application was sent",
        error_messages={"required": "Enter the date the letter was sent"},
    )


class DocumentForm(forms.Form):
    ready_on = GovukDateField(
        label="Date it was ready", error_messages={"required": "Enter the date the document was ready"}
    )
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)


class HearingForm(forms.Form):
    kind = forms.ChoiceField(
        label="Kind of hearing",
        choices=Hearing.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Select the kind of hearing"},
    )
    held_on = GovukDateField(
        label="Date of the hearing",
        allow_future=True,
        help_text="The day it was, or is, listed for",
        error_messages={"required": "Enter the date of the hearing"},
    )
    notes = forms.CharField(
        label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )


class HearingUpdateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    held_on = GovukDateField(
        label="Date of the hearing",
        allow_future=True,
        error_messages={"required": "Enter the date of the hearing"},
    )
    effective = forms.TypedChoiceField(
        label="Did the hearing go ahead as planned (effective)?",
        choices=[("yes", "Yes"), ("no", "No, it was adjourned or vacated"), ("", "It has not happened yet")],
        widget=forms.RadioSelect,
        coerce=lambda v: v == "yes",
        empty_value=None,
        required=False,
    )
    notes = forms.CharField(
        label="Notes (optional)", required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    @classmethod
    def initial_for(cls, hearing) -> dict:
        return {
            "version": hearing.version,
            "held_on": hearing.held_on,
            "effective": as_yes_no(hearing.effective) or "",
            "notes": hearing.notes,
        }


class ExtensionForm(forms.Form):
    granted_on = GovukDateField(
        label="Date the court granted the extension",
        error_messages={"required": "Enter the date the court granted the extension"},
    )
    weeks = forms.IntegerField(
        label="Length of the extension, in weeks",
        help_text="No more than 8 weeks (Children Act 1989 s32(8))",
        error_messages={
            "required": "Enter the length in weeks",
            "invalid": "Enter the length as a whole number of weeks",
        },
    )
    reason = forms.CharField(
        label="Why the court found it necessary to resolve the proceedings justly",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Enter the court's reason for the extension"},
    )


class ChildPlansForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    initial_care_plan = forms.ChoiceField(
        label="Initial care plan put to the court",
        choices=BLANK + [c for c in codes.CourtCarePlan.choices if c[0] != codes.CourtCarePlan.NOT_YET_FINAL],
        required=False,
    )
    initial_plan_approved = forms.ChoiceField(
        label="Did the court approve the initial care plan?",
        choices=codes.YesNoUnknown.choices,
        widget=forms.RadioSelect,
    )
    final_care_plan = forms.ChoiceField(
        label="Final care plan", choices=BLANK + list(codes.CourtCarePlan.choices), required=False
    )
    final_plan_approved = forms.ChoiceField(
        label="Did the court approve the final care plan?",
        choices=codes.YesNoUnknown.choices,
        widget=forms.RadioSelect,
    )


class FinalOrderForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    final_order = forms.ChoiceField(
        label="Final order",
        choices=[("", "Select the order")] + list(codes.FinalOrder.choices),
        error_messages={"required": "Select the final order"},
    )
    final_order_on = GovukDateField(
        label="Date of the final order", error_messages={"required": "Enter the date of the final order"}
    )
