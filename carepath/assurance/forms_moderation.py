"""Forms for moderation, calibration review and the assurance reports. They check what a form can
(answers given, dates real); the services check the rules (who may moderate, independence, the
tool's scale) and their errors are put back on the same fields."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError

from carepath.core.govuk_forms import GovukDateField, StaffMultipleChoiceField
from carepath.people.models import User
from carepath.people.selectors import teams_visible_to

from .models import AuditProgramme, CalibrationFlag, Moderation
from .selectors.reports import Filters
from .services.moderation import grade_field


def _text(label: str, help_text: str = "", *, required: bool = True, rows: int = 5) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": f"Enter {label[0].lower()}{label[1:]}"},
    )


class ModerationForm(forms.Form):
    """The moderator's grades: one question per domain (the tool's scale as radios, with an
    optional comment), then the overall grade and a summary. Nothing of the first audit's grades."""

    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, moderation: Moderation, **kwargs):
        super().__init__(*args, **kwargs)
        tool = moderation.audit.tool
        scale = [(g["code"], g["label"]) for g in tool.grading_scale]
        self.domains = list(tool.domains.order_by("position").prefetch_related("questions"))
        self.domain_fields = []
        for domain in self.domains:
            name = grade_field(domain.pk)
            self.fields[name] = forms.ChoiceField(
                label=f"Your grade for {domain.title}",
                choices=scale,
                widget=forms.RadioSelect,
                error_messages={"required": f"Choose a grade for {domain.title}"},
            )
            self.fields[f"comment_{domain.pk}"] = _text(
                f"What supports your grade for {domain.title}", "Optional.", required=False, rows=3
            )
            self.domain_fields.append((domain, self[name], self[f"comment_{domain.pk}"]))
        self.fields["overall_grade"] = forms.ChoiceField(
            label="Your overall grade",
            choices=scale,
            widget=forms.RadioSelect,
            error_messages={"required": "Choose your overall grade"},
        )
        self.fields["summary"] = _text(
            "Your summary", "Why you graded the case as you did, in a few sentences."
        )
        self.initial.setdefault("version", moderation.version)

    def grades(self) -> dict[int, tuple[str, str]]:
        data = self.cleaned_data
        return {
            d.pk: (data.get(grade_field(d.pk), ""), data.get(f"comment_{d.pk}", "")) for d in self.domains
        }


class ProgrammeChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: AuditProgramme) -> str:
        return f"{obj.name} (drawn {obj.drawn_on:%-d %B %Y})"


class ModerationSampleForm(forms.Form):
    programme = ProgrammeChoice(
        queryset=AuditProgramme.objects.order_by("-drawn_on", "-pk"),
        label="Which audit programme?",
        empty_label="Choose a programme",
        error_messages={"required": "Choose the audit programme to moderate"},
    )
    share = forms.IntegerField(
        label="Percentage of its completed audits to moderate",
        help_text="Leave blank to use the programme's own share. At least one audit is always drawn.",
        required=False,
        min_value=1,
        max_value=100,
        error_messages={
            "min_value": "The share to moderate must be a percentage from 1 to 100",
            "max_value": "The share to moderate must be a percentage from 1 to 100",
            "invalid": "The share to moderate must be a whole number, like 20",
        },
    )
    moderators = StaffMultipleChoiceField(
        queryset=User.objects.none(),
        label="Who can moderate?",
        help_text="Each audit drawn goes to someone here who is not its auditor, the child's social worker or their team manager.",
        error_messages={"required": "Choose at least one moderator"},
    )
    due_on = GovukDateField(
        label="Date the moderations are due",
        allow_future=True,
        help_text="For example, 18 12 2026",
    )

    def __init__(self, *args, moderators, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["moderators"].queryset = moderators


class CalibrationReviewForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    outcome = forms.ChoiceField(
        label="What did you decide?",
        choices=CalibrationFlag.Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether the grade stands or the audit goes back to be regraded"},
    )
    note = _text("Why", "What in the record and the audit led to your decision.")


class ReportFilterForm(forms.Form):
    """The period, team and programme a report covers (a GET form: nothing is saved)."""

    date_from = GovukDateField(label="Audits completed from", required=False, allow_future=True)
    date_to = GovukDateField(label="Audits completed up to", required=False, allow_future=True)
    team = forms.ChoiceField(label="Team", required=False)
    programme = forms.ChoiceField(label="Audit programme", required=False)

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        teams = teams_visible_to(user).order_by("name")
        self.fields["team"].choices = [("", "Every team")] + [(str(t.pk), t.name) for t in teams]
        self.fields["programme"].choices = [("", "Every programme")] + [
            (str(p.pk), p.name) for p in AuditProgramme.objects.order_by("-drawn_on", "-pk")
        ]

    def clean(self):
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            raise ValidationError({"date_to": "The end of the period must be on or after its start"})
        return data

    def filters(self) -> Filters:
        if not self.is_valid():
            return Filters()
        data = self.cleaned_data
        return Filters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            team_id=int(data["team"]) if data.get("team") else None,
            programme_id=int(data["programme"]) if data.get("programme") else None,
        )
