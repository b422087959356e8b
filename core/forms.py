"""GOV.UK Design System rendering for Django forms.

Forms mix in `GovUKFormMixin` and render with `{{ form }}`: every field becomes a GOV.UK form
group with its label, hint and error message, and the error summary lists each error with a
link to its field (templates/govuk/forms/).
"""

from __future__ import annotations

from django import forms

WIDGET_CLASSES: dict[type[forms.Widget], str] = {
    forms.CheckboxSelectMultiple: "govuk-checkboxes__input",
    forms.RadioSelect: "govuk-radios__input",
    forms.CheckboxInput: "govuk-checkboxes__input",
    forms.Textarea: "govuk-textarea",
    forms.Select: "govuk-select",
    forms.FileInput: "govuk-file-upload",
    forms.widgets.Input: "govuk-input",
}


def widget_kind(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxSelectMultiple):
        return "checkboxes"
    if isinstance(widget, forms.RadioSelect):
        return "radios"
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    return "input"


class GovUKFormMixin:
    template_name = "govuk/forms/form.html"
    # Errors name the field and what was expected; this suffix would only add noise.
    label_suffix = ""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.govuk_style()

    def govuk_style(self) -> None:
        """Give every field the Design System's classes (call again after adding fields)."""
        for field in self.fields.values():
            if getattr(field, "_govuk_styled", False):
                continue
            field._govuk_styled = True
            widget = field.widget
            for widget_type, css_class in WIDGET_CLASSES.items():
                if isinstance(widget, widget_type):
                    existing = widget.attrs.get("class", "")
                    widget.attrs["class"] = f"{css_class} {existing}".strip()
                    break
            field.template_name = "govuk/forms/field.html"


class GovUKForm(GovUKFormMixin, forms.Form):
    pass


class GovUKModelForm(GovUKFormMixin, forms.ModelForm):
    pass
