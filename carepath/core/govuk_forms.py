"""Form fields in the GOV.UK Design System's patterns: dates as day, month and year boxes, and
error messages that say what to do. Rendered by the `govuk_field` template tag."""

from datetime import date, datetime, time

from django import forms
from django.utils import timezone


class DateInputWidget(forms.MultiWidget):
    def __init__(self, attrs=None):
        widgets = [forms.TextInput(attrs={"inputmode": "numeric"}) for _ in range(3)]
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, date):
            return [value.day, value.month, value.year]
        return [None, None, None]


class GovukDateField(forms.MultiValueField):
    """A date entered as day, month, year; the error message names what is wrong."""

    widget = DateInputWidget

    def __init__(self, *, allow_future: bool = False, **kwargs):
        self.allow_future = allow_future
        fields = [forms.CharField(required=False) for _ in range(3)]
        super().__init__(fields, require_all_fields=False, **kwargs)
        # MultiValueField refuses an empty required value before compress() can say what to do.
        self.error_messages["required"] = f"Enter the {self.label.lower() if self.label else 'date'}"

    def compress(self, data_list):
        if not data_list or not any(data_list):
            if self.required:
                raise forms.ValidationError(f"Enter the {self.label.lower() if self.label else 'date'}")
            return None
        day, month, year = (str(v or "").strip() for v in data_list)
        missing = [name for name, v in (("day", day), ("month", month), ("year", year)) if not v]
        if missing:
            raise forms.ValidationError(f"The date must include a {' and '.join(missing)}")
        try:
            value = date(int(year), int(month), int(day))
        except ValueError:
            raise forms.ValidationError("The date must be a real date, like 27 3 2024") from None
        if len(year) != 4:
            raise forms.ValidationError("The year must be 4 numbers, like 2024")
        if not self.allow_future and value > timezone.localdate():
            raise forms.ValidationError("The date must be today or in the past")
        return value


class DateTimeInputWidget(forms.MultiWidget):
    def __init__(self, attrs=None):
        widgets = [forms.TextInput(attrs={"inputmode": "numeric"}) for _ in range(5)]
        super().__init__(widgets, attrs)

    def decompress(self, value):
        if isinstance(value, datetime):
            local = timezone.localtime(value)
            return [local.day, local.month, local.year, f"{local.hour:02d}", f"{local.minute:02d}"]
        return [None] * 5


class GovukDateTimeField(forms.MultiValueField):
    """A date and a 24-hour time, entered in separate boxes; in the past unless `allow_future`
    (a meeting being arranged)."""

    widget = DateTimeInputWidget

    def __init__(self, *, allow_future: bool = False, **kwargs):
        self.allow_future = allow_future
        fields = [forms.CharField(required=False) for _ in range(5)]
        super().__init__(fields, require_all_fields=False, **kwargs)
        self.error_messages["required"] = f"Enter the {self.label.lower() if self.label else 'date and time'}"

    def compress(self, data_list):
        if not data_list or not any(data_list):
            if self.required:
                raise forms.ValidationError(
                    f"Enter the {self.label.lower() if self.label else 'date and time'}"
                )
            return None
        day_part = GovukDateField(label=self.label, allow_future=True).compress(data_list[:3])
        hour, minute = (str(v or "").strip() for v in data_list[3:5])
        if not hour or not minute:
            raise forms.ValidationError("Enter the time, like 14 and 30 for 2:30pm")
        try:
            moment = time(int(hour), int(minute))
        except ValueError:
            raise forms.ValidationError(
                "The time must be a real time in 24-hour format, like 14 30"
            ) from None
        value = timezone.make_aware(datetime.combine(day_part, moment))
        if not self.allow_future and value > timezone.now():
            raise forms.ValidationError("The date and time must be in the past")
        return value


def add_service_errors(form: forms.Form, error) -> None:
    """Put a service's ValidationError on the form: on the field it names where the form has that
    field, otherwise at the top of the form, so no message is lost and nothing crashes."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def checkbox_options(bound_field) -> list[dict]:
    """The choices of a multiple-choice field as GOV.UK checkboxes (the `govuk_field` tag draws
    one box per field, not a list); the template is core/includes/checkboxes.html."""
    raw = bound_field.value() or []
    checked = {str(getattr(v, "pk", v)) for v in raw}
    base = bound_field.auto_id or f"id_{bound_field.html_name}"
    return [
        {
            "value": str(value),
            "label": label,
            "checked": str(value) in checked,
            "id": base if i == 0 else f"{base}-{i + 1}",
        }
        for i, (value, label) in enumerate(bound_field.field.choices)
    ]


def staff_label(user) -> str:
    """How a member of staff is named in a list to choose from: name, role and team."""
    where = f", {user.team}" if user.team_id else ""
    return f"{user} ({user.get_role_display()}{where})"


class StaffChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return staff_label(obj)


class StaffMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj) -> str:
        return staff_label(obj)
