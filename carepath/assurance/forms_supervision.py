"""Forms for supervision and management oversight. They read what was typed (dates, numbers, who);
the services check the rules (who may supervise whom, each direction's decision and reasons, each
action's owner and due date) and their errors come back on the same fields, named as the services
name them (services.supervision.direction_field and action_field)."""

from __future__ import annotations

from dataclasses import dataclass

from django import forms

from carepath.core.govuk_forms import GovukDateField, StaffChoiceField
from carepath.people.models import Child, User

from .models import CaseDirection, SupervisionSession
from .services.supervision import LONGEST_SESSION_MINUTES, OVERSIGHT_KEY_POINTS, action_field, direction_field

# How many action rows each child's direction offers; more can be added later as oversight.
ACTION_ROWS = 3
YES_NO = [("yes", "Yes"), ("no", "No")]


def _text(label: str, help_text: str = "", *, required: bool = False, rows: int = 4) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": f"Enter {label[0].lower()}{label[1:]}"},
    )


@dataclass
class ActionRow:
    row: int
    what: forms.BoundField
    owner: forms.BoundField
    due_on: forms.BoundField

    @property
    def errors(self) -> bool:
        return bool(self.what.errors or self.owner.errors or self.due_on.errors)


@dataclass
class ChildBlock:
    child: Child
    discussed: forms.BoundField
    decided: forms.BoundField
    why: forms.BoundField
    actions: list[ActionRow]

    @property
    def has_errors(self) -> bool:
        return bool(
            self.discussed.errors
            or self.decided.errors
            or self.why.errors
            or any(a.errors for a in self.actions)
        )

    @property
    def ticked(self) -> bool:
        return bool(self.discussed.value())

    @property
    def open(self) -> bool:
        """Shown without JavaScript's help: ticked, or with something to correct."""
        return self.ticked or self.has_errors


def _add_action_fields(form: forms.Form, child: Child | None, owners, who: str) -> None:
    for row in range(1, ACTION_ROWS + 1):
        form.fields[action_field(child, row, "what")] = _text(f"Action {row}{who}: what must be done", rows=2)
        form.fields[action_field(child, row, "owner")] = StaffChoiceField(
            queryset=owners,
            required=False,
            label=f"Action {row}{who}: who owns it",
            empty_label="Choose the owner",
        )
        form.fields[action_field(child, row, "due_on")] = GovukDateField(
            label=f"Action {row}{who}: due date",
            allow_future=True,
            required=False,
            help_text="For example, 27 3 2026",
        )


def _action_rows(form: forms.Form, child: Child | None) -> list[ActionRow]:
    return [
        ActionRow(
            row,
            form[action_field(child, row, "what")],
            form[action_field(child, row, "owner")],
            form[action_field(child, row, "due_on")],
        )
        for row in range(1, ACTION_ROWS + 1)
    ]


def _actions_typed(data: dict, child: Child | None) -> list[dict]:
    """The action rows with anything in them, numbered as on the page. A row with no owner or no
    date is passed on as it is: the service refuses it, naming the row."""
    found = []
    for row in range(1, ACTION_ROWS + 1):
        what = (data.get(action_field(child, row, "what")) or "").strip()
        owner = data.get(action_field(child, row, "owner"))
        due_on = data.get(action_field(child, row, "due_on"))
        if what or owner or due_on:
            found.append({"row": row, "what": what, "owner": owner, "due_on": due_on})
    return found


class SessionForm(forms.Form):
    """A supervision session with one supervisee, and a block for each child of their caseload
    that the supervisor may record on: ticked as discussed, what was decided and why, and up to
    three actions."""

    held_on = GovukDateField(label="Date of the session", help_text="For example, 27 3 2026")
    duration_minutes = forms.IntegerField(
        label="How long did it last, in minutes?",
        min_value=1,
        max_value=LONGEST_SESSION_MINUTES,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "spellcheck": "false"}),
        error_messages={
            "required": "Enter how long the session lasted, in minutes",
            "invalid": "Enter the length as a number of minutes, like 90",
            "min_value": "Enter how long the session lasted, in minutes",
            "max_value": f"Enter the length in minutes, up to {LONGEST_SESSION_MINUTES} (8 hours)",
        },
    )
    kind = forms.ChoiceField(
        label="Type of supervision",
        choices=SupervisionSession.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the type of supervision"},
    )
    uninterrupted = forms.ChoiceField(
        label="Was the session uninterrupted?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        initial="yes",
        error_messages={"required": "Say whether the session was uninterrupted"},
    )
    notes = _text(
        "Notes for the supervisee's file",
        "Wellbeing, learning and workload. Only you, the supervisee and the managers above you can read them.",
        rows=6,
    )

    def __init__(self, *args, children: list[Child], owners: dict[int, list[User]], **kwargs):
        super().__init__(*args, **kwargs)
        self.children = children
        for child in children:
            self.fields[direction_field(child, "discussed")] = forms.BooleanField(
                label=child.full_name, required=False
            )
            self.fields[direction_field(child, "decided")] = _text(f"What was decided for {child.full_name}")
            self.fields[direction_field(child, "why")] = _text(f"Why it was decided for {child.full_name}")
            queryset = User.objects.filter(pk__in=[u.pk for u in owners.get(child.pk, [])]).select_related(
                "team"
            )
            _add_action_fields(self, child, queryset, f" for {child.full_name}")

    @property
    def blocks(self) -> list[ChildBlock]:
        return [
            ChildBlock(
                child,
                self[direction_field(child, "discussed")],
                self[direction_field(child, "decided")],
                self[direction_field(child, "why")],
                _action_rows(self, child),
            )
            for child in self.children
        ]

    def clean(self):
        data = super().clean()
        for child in self.children:
            typed = (
                (data.get(direction_field(child, "decided")) or "").strip()
                or (data.get(direction_field(child, "why")) or "").strip()
                or _actions_typed(data, child)
            )
            if typed and not data.get(direction_field(child, "discussed")):
                # What was typed is kept; nothing is recorded for a child who was not ticked.
                self.add_error(
                    direction_field(child, "discussed"),
                    f"Tick {child.full_name} as discussed, or clear what you wrote about them",
                )
        return data

    def values(self) -> dict:
        data = self.cleaned_data
        return {
            "held_on": data["held_on"],
            "duration_minutes": data["duration_minutes"],
            "kind": data["kind"],
            "uninterrupted": data["uninterrupted"] == "yes",
            "notes": data["notes"],
        }

    def directions(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "child": child,
                "decided": data.get(direction_field(child, "decided"), ""),
                "why": data.get(direction_field(child, "why"), ""),
                "actions": _actions_typed(data, child),
            }
            for child in self.children
            if data.get(direction_field(child, "discussed"))
        ]


class ChooseSuperviseeForm(forms.Form):
    supervisee = StaffChoiceField(
        queryset=User.objects.none(),
        label="Who was supervised?",
        empty_label="Choose the person",
        help_text="People you manage: your team, or your service's workers and managers.",
        error_messages={
            "required": "Choose who was supervised",
            "invalid_choice": "Choose someone you manage",
        },
    )

    def __init__(self, *args, people: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisee"].queryset = User.objects.filter(
            pk__in=[u.pk for u in people]
        ).select_related("team")


class SessionChangeForm(forms.Form):
    held_on = SessionForm.base_fields["held_on"]
    duration_minutes = SessionForm.base_fields["duration_minutes"]
    kind = SessionForm.base_fields["kind"]
    uninterrupted = SessionForm.base_fields["uninterrupted"]
    notes = SessionForm.base_fields["notes"]
    version = forms.IntegerField(widget=forms.HiddenInput)

    def values(self) -> dict:
        return SessionForm.values(self)


class OversightForm(forms.Form):
    key_point = forms.ChoiceField(
        label="Which key point is this oversight at?",
        choices=[(k, CaseDirection.KeyPoint(k).label) for k in OVERSIGHT_KEY_POINTS],
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the key point this oversight is at"},
    )
    directed_on = GovukDateField(label="Date of the decision", help_text="For example, 27 3 2026")
    decided = _text("What was decided", required=True, rows=5)
    why = _text("Why it was decided", required=True, rows=5)

    def __init__(self, *args, owners: list[User], **kwargs):
        super().__init__(*args, **kwargs)
        queryset = User.objects.filter(pk__in=[u.pk for u in owners]).select_related("team")
        _add_action_fields(self, None, queryset, "")

    @property
    def action_rows(self) -> list[ActionRow]:
        return _action_rows(self, None)

    def actions(self) -> list[dict]:
        return _actions_typed(self.cleaned_data, None)


class ActionDoneForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    done_on = GovukDateField(label="Date it was done", help_text="For example, 27 3 2026")
    done_note = _text("What was done", "Optional.", rows=3)


PERIODS = [("3", "The last 3 months"), ("6", "The last 6 months"), ("12", "The last 12 months")]


class ComplianceFilterForm(forms.Form):
    months = forms.ChoiceField(label="Period", choices=PERIODS, required=False, initial="12")
    team = forms.IntegerField(required=False, widget=forms.HiddenInput)
    service = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def chosen(self, name: str):
        return self.cleaned_data.get(name) if self.is_valid() else None

    def month_count(self) -> int:
        value = self.chosen("months")
        return int(value) if value else 12
