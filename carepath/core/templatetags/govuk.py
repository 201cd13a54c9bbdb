"""Render Django form fields as GOV.UK Design System components, with their error messages."""

from django import forms, template
from django.utils.safestring import mark_safe

from carepath.core.govuk_forms import DateInputWidget, DateTimeInputWidget

register = template.Library()


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


@register.inclusion_tag("core/includes/field.html")
def govuk_field(field, classes: str = ""):
    kind = _kind(field)
    value = field.value()
    parts = []
    if kind in ("date", "datetime"):
        widget = field.field.widget
        raw = value if isinstance(value, list) else widget.decompress(value)
        names = ["day", "month", "year", "hour", "minute"][: len(widget.widgets)]
        parts = [
            {"name": f"{field.html_name}_{i}", "id": f"{field.id_for_label}_{i}", "label": n.capitalize(),
             "value": "" if raw is None or i >= len(raw) or raw[i] is None else raw[i],
             "width": 4 if n == "year" else 2}
            for i, n in enumerate(names)
        ]
    choices = []
    if kind in ("radios", "select"):
        current = "" if value is None else str(value)
        if value is True:
            current = "yes"
        elif value is False:
            current = "no"
        choices = [{"value": str(v), "label": label, "checked": str(v) == current} for v, label in field.field.choices]
    return {"field": field, "kind": kind, "parts": parts, "choices": choices, "classes": classes,
            "value": "" if value is None else value}


@register.inclusion_tag("core/includes/error_summary.html")
def govuk_error_summary(form):
    errors = []
    for error in form.non_field_errors():
        errors.append({"href": "", "text": error})
    for field in form:
        for error in field.errors:
            target = field.id_for_label
            if _kind(field) in ("date", "datetime"):
                target = f"{field.id_for_label}_0"
            elif _kind(field) == "radios":
                target = f"{field.id_for_label}_0"
            errors.append({"href": f"#{target}", "text": error})
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
    return mark_safe(f'<strong class="govuk-tag {colours.get(status, "")}">{template.defaultfilters.escape(label)}</strong>')  # noqa: S308
