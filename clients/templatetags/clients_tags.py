from django import template
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from clients.body_regions import region_label
from clients.forms import PAIN_CHARACTER_CHOICES
from clients.red_flags import HEALTH_CONDITION_LABELS

register = template.Library()


@register.filter
def region_labels(codes):
    return [region_label(code) for code in codes or ()]


@register.filter
def character_labels(codes):
    labels = dict(PAIN_CHARACTER_CHOICES)
    return [labels.get(code, code) for code in codes or ()]


@register.filter
def condition_labels(codes):
    return [HEALTH_CONDITION_LABELS.get(code, code) for code in codes or ()]


MULTI_INPUT_WIDGETS = {"bodymap", "rating", "radioselect", "checkboxselectmultiple"}


@register.filter
def is_multi_input(bound_field):
    """Fields drawn as a group of inputs: labelled by a fieldset legend."""
    return bound_field.widget_type in MULTI_INPUT_WIDGETS


@register.inclusion_tag("clients/_body_map_static.html")
def body_map_figure(codes, label="Marked body regions"):
    """A read-only body map with `codes` highlighted (charts, summaries)."""
    from clients.body_map import body_map_views

    return {"views": body_map_views(codes), "label": label}


def _text(value):
    # What `{{ value }}` prints: localized, then escaped unless already safe.
    return conditional_escape(localize(value))


def _errors_html(field, extra_class=""):
    if not field.errors:
        return ""
    joined = " ".join(_text(error) for error in field.errors)
    return (
        f'<div class="invalid-feedback d-block{extra_class}" id="{_text(field.auto_id)}_error">'
        f"{joined}</div>"
    )


def _choice_list_html(field):
    kind = "radio" if field.widget_type == "radioselect" else "checkbox"
    rows = []
    for option in field:
        data = option.data
        option_id = _text(option.id_for_label)
        checked = " checked" if data["selected"] else ""
        rows.append(
            f'<div class="form-check"><input type="{kind}" class="form-check-input"'
            f' name="{_text(data["name"])}" value="{_text(data["value"])}" id="{option_id}"'
            f'{checked}><label class="form-check-label" for="{option_id}">'
            f"{_text(option.choice_label)}</label></div>"
        )
    return f'<div class="choice-list">{"".join(rows)}</div>'


def field_html(field) -> str:
    """One form field with its label, help and errors, as `clients/_field.html`
    draws it (that template stays the reference; tests compare). An intake has
    some forty fields, and the template's lookups per field were most of the
    form's render time."""
    if field.is_hidden:
        return str(field)
    required = field.field.required
    widget_type = field.widget_type
    has_errors = bool(field.errors)
    out = [
        f'<div class="mb-4 form-field{" has-error" if has_errors else ""}"'
        f' id="field-{_text(field.html_name)}">'
    ]
    if widget_type in MULTI_INPUT_WIDGETS:
        described = f' aria-describedby="{_text(field.auto_id)}_error"' if has_errors else ""
        star = (
            ' <span class="text-danger" aria-hidden="true">*</span>'
            '<span class="visually-hidden">(required)</span>'
            if required
            else ""
        )
        out.append(
            f'<fieldset{described}><legend class="form-label fw-semibold fs-6">'
            f"{_text(field.label)}{star}</legend>"
        )
        if field.help_text:
            out.append(f'<div class="form-text mt-0 mb-2">{_text(field.help_text)}</div>')
        out.append(_errors_html(field, " mb-2"))
        if widget_type in ("radioselect", "checkboxselectmultiple"):
            out.append(_choice_list_html(field))
        else:
            out.append(str(field))
        out.append("</fieldset>")
    else:
        star = ' <span class="text-danger" aria-hidden="true">*</span>' if required else ""
        label = f"{_text(field.label)}{star}</label>"
        label_for = _text(field.id_for_label)
        if widget_type == "checkbox":
            out.append(
                f'<div class="form-check">{field}'
                f'<label class="form-check-label" for="{label_for}">{label}'
                f"{_errors_html(field)}</div>"
            )
        else:
            out.append(f'<label class="form-label fw-semibold" for="{label_for}">{label}')
            out.append(_errors_html(field))
            out.append(str(field))
            if field.help_text:
                out.append(f'<div class="form-text">{_text(field.help_text)}</div>')
    out.append("</div>")
    return mark_safe("".join(out))  # noqa: S308 -- every value above is escaped


@register.simple_tag
def form_field(field):
    """`clients/_field.html` for one bound field, written in Python (see field_html)."""
    return field_html(field)
