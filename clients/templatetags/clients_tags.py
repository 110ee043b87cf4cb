from django import template

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
