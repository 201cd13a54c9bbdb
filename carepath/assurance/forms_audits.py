"""Forms for case audit pages: a tool's draft, a new programme, assigning auditors, the audit
itself, and what follows it (actions done, the head of service's response). They check what a form
can (the shape of a date, a choice from the list); the services check the rules, and their errors
are put back on the same fields, so a refused form keeps everything typed."""

from __future__ import annotations

from django import forms
from django.db.models import Q

from carepath.core.govuk_forms import (
    GovukDateField,
    StaffChoiceField,
    StaffMultipleChoiceField,
    checkbox_options,
)
from carepath.core.permissions import Role
from carepath.people.models import Child, Service, Team, User

from .models import AuditProgramme, AuditTool, CaseAudit, Cohort
from .services.audits import (
    ActionToSet,
    action_field,
    answer_field,
    auditor_field,
    evidence_field,
    grade_field,
)

# Action rows shown on a new audit form; "Add another action" adds one (up to the most).
ACTION_ROWS = 3
MOST_ACTION_ROWS = 20
MOST_DOMAINS = 20


def _text(label: str, help_text: str = "", *, required: bool = False, rows: int = 5) -> forms.CharField:
    return forms.CharField(
        label=label,
        help_text=help_text,
        required=required,
        widget=forms.Textarea(attrs={"rows": rows}),
        error_messages={"required": f"Enter {label[0].lower()}{label[1:]}"},
    )


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


def _count(data, name: str, default: int, most: int) -> int:
    try:
        value = int((data or {}).get(name, default))
    except (TypeError, ValueError):
        value = default
    return max(1, min(value, most))


# ---------------------------------------------------------------------------------------------
# Audit tools
# ---------------------------------------------------------------------------------------------


def questions_as_text(domain) -> str:
    """A domain's questions in the edit box: a paragraph each, the question on its first line and
    its guidance on the lines under it."""
    return "\n\n".join(
        "\n".join(part for part in (q.text, q.guidance) if part) for q in domain.questions.all()
    )


def questions_from_text(text: str) -> list[dict]:
    questions = []
    for block in (text or "").replace("\r\n", "\n").split("\n\n"):
        lines = [line.strip() for line in block.strip().split("\n") if line.strip()]
        if lines:
            questions.append({"text": lines[0], "guidance": "\n".join(lines[1:])})
    return questions


class ToolDraftForm(VersionedForm):
    """A draft's name and description, and one block per domain: its title, its guidance, and its
    questions in one box. Clearing a domain's title and questions removes it."""

    name = forms.CharField(label="Name of the tool", error_messages={"required": "Enter the tool's name"})
    description = _text("Description", "What the tool is for and how to use it.", rows=4)
    domain_rows = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args, tool: AuditTool, **kwargs):
        data = args[0] if args else kwargs.get("data")
        domains = list(tool.domains.prefetch_related("questions"))
        if data is not None:
            count = _count(data, "domain_rows", len(domains) + 1, MOST_DOMAINS)
            if data.get("add_domain"):
                count = min(count + 1, MOST_DOMAINS)
        else:
            count = len(domains) + 1
        initial = {
            "name": tool.name,
            "description": tool.description,
            "version": tool.version,
            "domain_rows": count,
        }
        for n, d in enumerate(domains, start=1):
            initial[f"domain_{n}_title"] = d.title
            initial[f"domain_{n}_guidance"] = d.guidance
            initial[f"domain_{n}_questions"] = questions_as_text(d)
        kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        if self.is_bound:
            self.data = self.data.copy()
            self.data["domain_rows"] = str(count)
        self.row_count = count
        for n in range(1, count + 1):
            self.fields[f"domain_{n}_title"] = forms.CharField(label=f"Domain {n}: title", required=False)
            self.fields[f"domain_{n}_guidance"] = _text(
                f"Domain {n}: guidance", "What good looks like in this domain.", rows=4
            )
            self.fields[f"domain_{n}_questions"] = _text(
                f"Domain {n}: questions",
                "One question per paragraph: the question on the first line, its guidance for "
                "auditors on the lines under it. Leave a blank line between questions.",
                rows=10,
            )

    def rows(self) -> list[dict]:
        return [
            {
                "number": n,
                "title": self[f"domain_{n}_title"],
                "guidance": self[f"domain_{n}_guidance"],
                "questions": self[f"domain_{n}_questions"],
            }
            for n in range(1, self.row_count + 1)
        ]

    def clean(self):
        cleaned = super().clean()
        for n in range(1, self.row_count + 1):
            title = (cleaned.get(f"domain_{n}_title") or "").strip()
            questions = (cleaned.get(f"domain_{n}_questions") or "").strip()
            if title and not questions:
                self.add_error(f"domain_{n}_questions", f"Add at least one question to {title}")
            elif questions and not title:
                self.add_error(f"domain_{n}_title", f"Give domain {n} a title")
        return cleaned

    def domains(self) -> list[dict]:
        """The domains to save, in order, leaving out the empty blocks."""
        made = []
        for n in range(1, self.row_count + 1):
            title = (self.cleaned_data.get(f"domain_{n}_title") or "").strip()
            questions = questions_from_text(self.cleaned_data.get(f"domain_{n}_questions") or "")
            if not title and not questions:
                continue
            made.append(
                {
                    "title": title,
                    "guidance": self.cleaned_data.get(f"domain_{n}_guidance") or "",
                    "questions": questions,
                }
            )
        return made


class ConfirmForm(VersionedForm):
    pass


# ---------------------------------------------------------------------------------------------
# Programmes
# ---------------------------------------------------------------------------------------------


class ToolChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: AuditTool) -> str:
        return f"{obj.name} (version {obj.version_number})"


class ProgrammeForm(forms.Form):
    name = forms.CharField(
        label="Name of the programme",
        help_text="For example, 'Monthly audit, December 2026' or 'Thematic audit: section 20'.",
        error_messages={"required": "Enter a name for the programme"},
    )
    kind = forms.ChoiceField(
        label="What kind of audit is it?",
        choices=AuditProgramme.Kind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Say whether this is a monthly or a thematic audit"},
    )
    theme = _text("Theme", "For a thematic audit: what it is looking at, and why now.", rows=3)
    tool = ToolChoiceField(
        queryset=AuditTool.objects.none(),
        label="Audit tool",
        empty_label="Choose the audit tool",
        error_messages={"required": "Choose the audit tool"},
    )
    cohort = forms.ChoiceField(
        label="Which children should the sample come from?",
        choices=Cohort.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose which children to sample from"},
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        label="Team",
        required=False,
        empty_label="Every team",
        help_text="Optional: sample only this team's children.",
    )
    service = forms.ModelChoiceField(
        queryset=Service.objects.none(),
        label="Service",
        required=False,
        empty_label="Every service",
        help_text="Optional: sample only this service's children.",
    )
    sample_size = forms.IntegerField(
        label="How many children?",
        error_messages={"required": "Enter how many children to sample", "invalid": "Enter a whole number"},
    )
    due_on = GovukDateField(
        label="Date the audits are due", allow_future=True, help_text="For example, 31 12 2026"
    )
    moderation_share = forms.IntegerField(
        label="Percentage of completed audits to moderate",
        initial=20,
        error_messages={
            "required": "Enter the percentage to moderate, or 0",
            "invalid": "Enter a whole number",
        },
    )
    seed = forms.IntegerField(
        label="Random seed (optional)",
        required=False,
        help_text="Leave empty for a new random sample. Enter a seed from an earlier programme to draw the same sample again.",
        error_messages={"invalid": "The seed must be a whole number"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tool"].queryset = AuditTool.objects.filter(status=AuditTool.Status.PUBLISHED).order_by(
            "name"
        )
        self.fields["team"].queryset = Team.objects.select_related("service").order_by("name")
        self.fields["service"].queryset = Service.objects.order_by("name")
        for name in ("sample_size", "moderation_share", "seed"):
            self.fields[name].widget.attrs.update({"inputmode": "numeric"})
            self.fields[name].widget.input_type = "text"


class AssignForm(forms.Form):
    """An auditor for each child of the sample not yet audited (auditor_<child id>)."""

    def __init__(self, *args, rows, **kwargs):
        super().__init__(*args, **kwargs)
        from .selectors.audits import auditors

        people = auditors()
        self.rows = []
        for row in rows:
            name = auditor_field(row.child.pk)
            self.fields[name] = StaffChoiceField(
                queryset=people,
                required=False,
                label=f"Auditor for {row.child.full_name}",
                empty_label="Not chosen",
                initial=row.audit.auditor_id if row.audit else None,
            )
            self.rows.append((row, self[name]))

    def assignments(self) -> dict[int, User]:
        chosen = {}
        for row, bound in self.rows:
            auditor = self.cleaned_data.get(bound.name)
            if auditor is not None and (row.audit is None or row.audit.auditor_id != auditor.pk):
                chosen[row.child.pk] = auditor
        return chosen


class AssignEvenlyForm(forms.Form):
    auditors = StaffMultipleChoiceField(
        queryset=User.objects.none(),
        label="Share the children waiting for an auditor between",
        help_text="Each child goes to the chosen auditor with the fewest so far who is independent of their case.",
        error_messages={"required": "Choose at least one auditor"},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        from .selectors.audits import auditors

        self.fields["auditors"].queryset = auditors()

    @property
    def auditors_options(self):
        return checkbox_options(self["auditors"])


class WithdrawForm(forms.Form):
    reason = _text("Why is the audit withdrawn?", rows=4, required=True)
    version = forms.IntegerField(widget=forms.HiddenInput)


# ---------------------------------------------------------------------------------------------
# The audit
# ---------------------------------------------------------------------------------------------


def action_owners(child: Child):
    """Who an action can be offered to: the child's team, its manager, the service's managers and
    the social worker. The service checks each owner can open the child's record."""
    team = child.allocated_team
    chosen = Q(pk__in=[x for x in (child.allocated_worker_id,) if x])
    if team is not None:
        chosen |= Q(team=team) | Q(pk__in=[x for x in (team.manager_id, team.service.head_id) if x])
        chosen |= Q(service_id=team.service_id, role__in=[Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE])
    return (
        User.objects.filter(chosen, is_active=True)
        .exclude(role__in=[Role.PARTNER_REFERRER, Role.SYSTEM_ADMINISTRATOR, Role.INSPECTOR])
        .select_related("team")
        .order_by("last_name", "first_name")
    )


class AuditForm(forms.Form):
    """The whole audit on one page: for each domain of the audit's tool version, its questions'
    answers, a grade and the evidence; the conversation; the views; the overall grade and summary;
    and the actions. Nothing is required here: a draft may be partial, and completing is checked
    by the service (audit_complete), whose errors come back onto these fields."""

    version = forms.IntegerField(widget=forms.HiddenInput)
    action_rows = forms.IntegerField(widget=forms.HiddenInput, required=False)
    conversation_on = GovukDateField(
        label="Date of the audit conversation",
        required=False,
        help_text="When you talked the case through with the practitioner and their manager. For example, 27 11 2026",
    )
    practitioner_took_part = forms.BooleanField(label="The practitioner took part", required=False)
    manager_took_part = forms.BooleanField(label="The team manager took part", required=False)
    childs_views = _text(
        "The child's views",
        "What the child thinks of the help they get, in their words. If they could not be asked, say "
        "why (for example, a baby, or the child declined).",
    )
    family_views = _text("The family's views", "What the parents or carers think. Optional.")
    overall_grade = forms.ChoiceField(label="Overall grade", required=False, widget=forms.RadioSelect)
    summary = _text("Summary of findings", "What the audit found: strengths, and what must change.", rows=6)

    def __init__(self, *args, audit: CaseAudit, **kwargs):
        self.audit = audit
        tool = audit.tool
        self.tool_domains = list(tool.domains.prefetch_related("questions"))
        data = args[0] if args else kwargs.get("data")
        if data is not None:
            count = _count(data, "action_rows", ACTION_ROWS, MOST_ACTION_ROWS)
            if data.get("add_action"):
                count = min(count + 1, MOST_ACTION_ROWS)
        else:
            count = ACTION_ROWS
        kwargs.setdefault("initial", self._initial(audit, count))
        super().__init__(*args, **kwargs)
        if self.is_bound:
            self.data = self.data.copy()
            self.data["action_rows"] = str(count)
        self.action_count = count
        grade_choices = [(g["code"], g["label"]) for g in tool.grading_scale]
        self.fields["overall_grade"].choices = grade_choices
        for d in self.tool_domains:
            for q in d.questions.all():
                self.fields[answer_field(q.pk)] = _text(q.text, rows=3)
            self.fields[grade_field(d.pk)] = forms.ChoiceField(
                label=f"Grade for {d.title}", choices=grade_choices, required=False, widget=forms.RadioSelect
            )
            self.fields[evidence_field(d.pk)] = _text(
                f"Evidence for the grade in {d.title}",
                "What in the record and the conversation supports the grade.",
                rows=4,
            )
        owners = action_owners(audit.child)
        domain_choices = [("", "Not about one domain")] + [(str(d.pk), d.title) for d in self.tool_domains]
        for n in range(1, count + 1):
            self.fields[action_field(n, "what")] = _text(f"Action {n}: what must be done", rows=2)
            self.fields[action_field(n, "owner")] = StaffChoiceField(
                queryset=owners,
                required=False,
                label=f"Action {n}: who owns it",
                empty_label="Choose the owner",
            )
            self.fields[action_field(n, "due_on")] = GovukDateField(
                label=f"Action {n}: due date", required=False, allow_future=True
            )
            self.fields[action_field(n, "domain")] = forms.ChoiceField(
                label=f"Action {n}: which domain it is about", choices=domain_choices, required=False
            )

    @staticmethod
    def _initial(audit: CaseAudit, count: int) -> dict:
        initial = {
            "version": audit.version,
            "action_rows": count,
            "conversation_on": audit.conversation_on,
            "practitioner_took_part": audit.practitioner_took_part,
            "manager_took_part": audit.manager_took_part,
            "childs_views": audit.childs_views,
            "family_views": audit.family_views,
            "overall_grade": audit.overall_grade,
            "summary": audit.summary,
        }
        for g in audit.grades.all():
            initial[grade_field(g.domain_id)] = g.grade
            initial[evidence_field(g.domain_id)] = g.evidence
        for a in audit.answers.all():
            initial[answer_field(a.question_id)] = a.answer
        return initial

    # What the template draws, in order.
    def domain_sections(self) -> list[dict]:
        return [
            {
                "domain": d,
                "questions": [(q, self[answer_field(q.pk)]) for q in d.questions.all()],
                "grade": self[grade_field(d.pk)],
                "evidence": self[evidence_field(d.pk)],
            }
            for d in self.tool_domains
        ]

    def action_sections(self) -> list[dict]:
        return [
            {
                "number": n,
                "what": self[action_field(n, "what")],
                "owner": self[action_field(n, "owner")],
                "due_on": self[action_field(n, "due_on")],
                "domain": self[action_field(n, "domain")],
            }
            for n in range(1, self.action_count + 1)
        ]

    # What the services are given.
    def grades(self) -> dict[int, tuple[str, str]]:
        return {
            d.pk: (
                self.cleaned_data.get(grade_field(d.pk)) or "",
                self.cleaned_data.get(evidence_field(d.pk)) or "",
            )
            for d in self.tool_domains
        }

    def answers(self) -> dict[int, str]:
        return {
            q.pk: self.cleaned_data.get(answer_field(q.pk)) or ""
            for d in self.tool_domains
            for q in d.questions.all()
        }

    def actions(self) -> list[ActionToSet]:
        """The rows with anything typed in them (the domain alone does not count), numbered as shown."""
        made = []
        for n in range(1, self.action_count + 1):
            what = (self.cleaned_data.get(action_field(n, "what")) or "").strip()
            owner = self.cleaned_data.get(action_field(n, "owner"))
            due_on = self.cleaned_data.get(action_field(n, "due_on"))
            if not what and owner is None and due_on is None:
                continue
            domain = self.cleaned_data.get(action_field(n, "domain"))
            made.append(ActionToSet(what, owner, due_on, int(domain) if domain else None, n))
        return made

    def conversation(self) -> dict:
        data = self.cleaned_data
        return {
            "overall_grade": data.get("overall_grade") or "",
            "summary": data.get("summary") or "",
            "conversation_on": data.get("conversation_on"),
            "practitioner_took_part": bool(data.get("practitioner_took_part")),
            "manager_took_part": bool(data.get("manager_took_part")),
            "childs_views": data.get("childs_views") or "",
            "family_views": data.get("family_views") or "",
        }


def actions_error_on_first_row(error):
    """The service's "a grade below good needs an action" error (key `actions`) moved onto the
    first action row's "what" box, so the error summary links to where it is answered."""
    from django.core.exceptions import ValidationError

    if not hasattr(error, "error_dict") or "actions" not in error.error_dict:
        return error
    moved = {key: value for key, value in error.error_dict.items() if key != "actions"}
    target = action_field(1, "what")
    moved[target] = list(error.error_dict["actions"]) + list(moved.get(target, []))
    return ValidationError(moved)


# ---------------------------------------------------------------------------------------------
# After the audit
# ---------------------------------------------------------------------------------------------


class ActionDoneForm(forms.Form):
    done_on = GovukDateField(label="Date it was done", help_text="For example, 27 11 2026")
    done_note = _text("What was done", required=True, rows=4)
    version = forms.IntegerField(widget=forms.HiddenInput)


class EscalationResponseForm(forms.Form):
    response = _text(
        "Your response",
        "What you have done, or will do, about the audit's findings for this child.",
        required=True,
        rows=8,
    )
    version = forms.IntegerField(widget=forms.HiddenInput)
