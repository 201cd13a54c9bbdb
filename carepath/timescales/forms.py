"""Forms for the timescales pages. They check what was typed; the services decide what is allowed."""

from django import forms

from carepath.core.govuk_forms import GovukDateField

from .models import ClosureDay, Rule
from .rulebook import Kind

_YES_NO = [("yes", "Yes"), ("no", "No")]


class AcknowledgeForm(forms.Form):
    """A manager acknowledges several overdue items at once, with one reason."""

    team = forms.IntegerField(widget=forms.HiddenInput)
    by = forms.CharField(widget=forms.HiddenInput, required=False)
    deadlines = forms.MultipleChoiceField(
        label="Items to acknowledge",
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": "Choose at least one item to acknowledge",
            "invalid_choice": "One of the items chosen is no longer on this team's list: choose again",
        },
    )
    reason = forms.CharField(
        label="Why do these items stand?",
        help_text="For example, the family were away and a visit is booked for Monday. Everyone who can "
        "see these items will see your reason, your name and when you said it.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say why these items stand"},
    )

    def __init__(self, *args, items=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["deadlines"].choices = [(str(item.pk), item.key) for item in items]


class ReassignForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput)
    to = forms.ModelChoiceField(
        label="Who should do this?",
        queryset=None,
        empty_label="Choose a worker",
        error_messages={"required": "Choose who should do this", "invalid_choice": "Choose a worker"},
    )
    reason = forms.CharField(
        label="Why is it moving? (optional)",
        help_text="For example, the duty worker is covering this visit while Sam is on leave.",
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )

    def __init__(self, *args, workers, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to"].queryset = workers
        self.fields["to"].label_from_instance = lambda user: (
            f"{user.get_full_name() or user.username} ({user.get_role_display()})"
        )


class LateReasonForm(forms.Form):
    key = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(
        label="Why was it late?",
        help_text="Say what happened and what is being done. This is kept with the child's record "
        "and is reported.",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Say why it was late"},
    )


def _whole_numbers(text: str, *, field_label: str) -> list[int]:
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    if not all(p.isdigit() for p in parts):
        raise forms.ValidationError(f"{field_label} must be whole numbers separated by commas, like 7, 3")
    return [int(p) for p in parts]


class RuleChangeForm(forms.Form):
    """The fields an authority may change on a configurable rule (rulebook.CHANGEABLE)."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    limit = forms.IntegerField(
        label="Limit",
        min_value=1,
        error_messages={
            "required": "Enter the limit",
            "invalid": "The limit must be a whole number, like 10",
            "min_value": "The limit must be at least 1",
        },
    )
    warn_days = forms.CharField(
        label="Show as due soon this many days before the due date",
        help_text="Whole numbers separated by commas, like 7, 3. Leave empty for no warning.",
        required=False,
    )
    escalate_after_days = forms.CharField(
        label="Escalate after this many days overdue",
        help_text="Two whole numbers: days overdue before the team manager is told, then the head of "
        "service, like 2, 10. Leave empty for no escalation.",
        required=False,
    )
    threshold = forms.IntegerField(
        label="How many events in the period raise the flag",
        min_value=1,
        error_messages={
            "required": "Enter how many events raise the flag",
            "invalid": "This must be a whole number, like 3",
            "min_value": "This must be at least 1",
        },
    )
    enabled = forms.TypedChoiceField(
        label="Is this rule in use?",
        choices=_YES_NO,
        widget=forms.RadioSelect,
        coerce=lambda v: v == "yes",
        error_messages={"required": "Say whether this rule is in use"},
    )
    reason = forms.CharField(
        label="Why is the rule changing?",
        help_text="For example, the decision of the practice standards board on 3 March. Your reason, "
        "your name and the old and new values are kept with the rule.",
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={"required": "Say why the rule is changing"},
    )

    def __init__(self, *args, rule: Rule, **kwargs):
        kwargs.setdefault(
            "initial",
            {
                "version": rule.version,
                "limit": rule.limit,
                "warn_days": ", ".join(str(d) for d in rule.warn_days),
                "escalate_after_days": ", ".join(str(d) for d in rule.escalate_after_days),
                "threshold": rule.threshold,
                "enabled": "yes" if rule.enabled else "no",
            },
        )
        super().__init__(*args, **kwargs)
        unit = rule.get_unit_display()
        self.fields["limit"].label = f"Limit, in {unit}"
        # Only the fields that mean something for this kind of rule are offered.
        if rule.kind == Kind.FLAG:
            del self.fields["limit"]
        if rule.kind != Kind.COUNT:
            del self.fields["threshold"]

    def clean_warn_days(self):
        return _whole_numbers(self.cleaned_data["warn_days"], field_label="Warning points")

    def clean_escalate_after_days(self):
        days = _whole_numbers(self.cleaned_data["escalate_after_days"], field_label="Escalation points")
        if days and len(days) != 2:
            raise forms.ValidationError(
                "Give two numbers: days overdue before the team manager, then the head of service"
            )
        return days

    def changes(self) -> dict:
        """What the service is asked to set: every changeable field the form offers."""
        return {
            name: self.cleaned_data[name]
            for name in ("limit", "warn_days", "escalate_after_days", "threshold", "enabled")
            if name in self.fields
        }


class ClosureAddForm(forms.Form):
    day = GovukDateField(
        label="Date the offices are closed",
        allow_future=True,
        help_text="For example, 29 12 2026",
        error_messages={"required": "Enter the date the offices are closed"},
    )
    reason = forms.CharField(
        label="Why are the offices closed?",
        max_length=200,
        help_text="For example, closed between Christmas and New Year.",
        error_messages={"required": "Say why the offices are closed"},
    )


class ClosureRemoveForm(forms.Form):
    closure = forms.ModelChoiceField(
        label="Closure day to remove",
        queryset=ClosureDay.objects.none(),
        empty_label="Choose a closure day",
        error_messages={
            "required": "Choose the closure day to remove",
            "invalid_choice": "Choose a closure day",
        },
    )
    reason = forms.CharField(
        label="Why is it no longer a closure day?",
        max_length=200,
        error_messages={"required": "Say why the closure day is being removed"},
    )

    def __init__(self, *args, closures, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["closure"].queryset = closures
        self.fields["closure"].label_from_instance = lambda c: (
            f"{c.day:%A} {c.day.day} {c.day:%B %Y}: {c.reason}"
        )
