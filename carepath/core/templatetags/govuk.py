"""Render Django form fields as GOV.UK Design System components, with their error messages."""

from django import forms, template
from django.utils.safestring import mark_safe

from carepath.core.govuk_forms import DateInputWidget, DateTimeInputWidget

register = template.Library()

DATE_PARTS = ["day", "month", "year", "hour", "minute"]


def _kind(field) -> str:
    widget = field.field.widget
    if isinstance(widget, DateTimeInputWidget):
        return "datetime"
    if isinstance(widget, DateInputWidget):
        return "date"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.Textarea):
        return "textarea"
    if isinstance(widget, forms.Select):
        return "select"
    if isinstance(widget, forms.HiddenInput):
        return "hidden"
    return "input"


def _field_id(field) -> str:
    # Not field.id_for_label: Django gives no id for a group of radios or a multi-part widget (so
    # that its <label> points nowhere), and the GOV.UK components need one for each part.
    return field.auto_id or f"id_{field.html_name}"


def _error_target(field) -> str:
    """The id of the input an error summary link moves focus to: the first one of the field."""
    kind = _kind(field)
    if kind in ("date", "datetime"):
        return f"{_field_id(field)}-{DATE_PARTS[0]}"
    return _field_id(field)


@register.inclusion_tag("core/includes/field.html")
def govuk_field(field, classes: str = ""):
    kind = _kind(field)
    field_id = _field_id(field)
    value = field.value()
    parts = []
    if kind in ("date", "datetime"):
        widget = field.field.widget
        raw = value if isinstance(value, list) else widget.decompress(value)
        names = DATE_PARTS[: len(widget.widgets)]
        parts = [
            {
                "name": f"{field.html_name}_{i}",
                "id": f"{field_id}-{n}",
                "label": n.capitalize(),
                "value": "" if raw is None or i >= len(raw) or raw[i] is None else raw[i],
                "width": 4 if n == "year" else 2,
            }
            for i, n in enumerate(names)
        ]
    choices = []
    if kind in ("radios", "select"):
        current = "" if value is None else str(value)
        if value is True:
            current = "yes"
        elif value is False:
            current = "no"
        choices = [
            # GOV.UK radios: the first takes the field's id, so an error summary link reaches it.
            {
                "value": str(v),
                "label": label,
                "checked": str(v) == current,
                "id": field_id if i == 0 else f"{field_id}-{i + 1}",
            }
            for i, (v, label) in enumerate(field.field.choices)
        ]
    described_by = " ".join(
        ([f"{field_id}-hint"] if field.help_text else []) + ([f"{field_id}-error"] if field.errors else [])
    )
    return {
        "field": field,
        "field_id": field_id,
        "kind": kind,
        "parts": parts,
        "choices": choices,
        "classes": classes,
        "described_by": described_by,
        "value": "" if value is None else value,
    }


@register.inclusion_tag("core/includes/error_summary.html")
def govuk_error_summary(form):
    errors = []
    for error in form.non_field_errors():
        errors.append({"href": "", "text": error})
    for field in form:
        # A hidden field has nothing to move focus to, so its error is not a link.
        href = "" if _kind(field) == "hidden" else f"#{_error_target(field)}"
        for error in field.errors:
            errors.append({"href": href, "text": error})
    return {"errors": errors}


@register.simple_tag
def status_tag(status: str, label: str):
    colours = {
        "looked_after": "govuk-tag--purple",
        "child_protection": "govuk-tag--red",
        "child_in_need": "govuk-tag--blue",
        "early_help": "govuk-tag--green",
        "contact": "govuk-tag--yellow",
        "closed": "govuk-tag--grey",
    }
    label = template.defaultfilters.escape(label)
    return mark_safe(f'<strong class="govuk-tag {colours.get(status, "")}">{label}</strong>')  # noqa: S308
