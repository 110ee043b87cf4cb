from django import forms
from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from .body_map import body_map_views


class ProjectTemplateMixin:
    """Render from the project's templates/ (the default form renderer only
    looks in app and Django form directories)."""

    def _render(self, template_name, context, renderer=None):
        return mark_safe(render_to_string(template_name, context))  # noqa: S308


class BodyMapWidget(ProjectTemplateMixin, forms.SelectMultiple):
    """Body regions as an accessible checkbox list plus a clickable SVG body map.

    The checkbox list is the source of truth: keyboard and screen-reader users
    use it directly, and the SVG regions (static/js/body-map.js) only toggle
    these checkboxes, so a validation error never loses marks and the form
    works without JavaScript.
    """

    template_name = "clients/widgets/body_map.html"
    # Checkboxes, but not a CheckboxSelectMultiple: crispy-forms swaps those
    # for its own checkbox list, which would drop the map.
    input_type = "checkbox"
    option_inherits_attrs = True
    add_id_index = True
    use_fieldset = True

    def id_for_label(self, id_, index=None):
        # The group is labelled by its legend; each checkbox by its own label.
        if index is None:
            return ""
        return super().id_for_label(id_, index)

    def use_required_attribute(self, initial):
        return False

    def value_omitted_from_data(self, data, files, name):
        # An unticked checkbox list sends nothing, which means "none", not "absent".
        return False

    # Its CSS and JS are in the base layout: maps also arrive in htmx swaps,
    # which carry no form media.

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["views"] = body_map_views(context["widget"]["value"])
        return context


class RatingWidget(ProjectTemplateMixin, forms.RadioSelect):
    """A 0-10 rating as a row of large radio buttons (thumb-sized on a phone)."""

    template_name = "clients/widgets/rating.html"

    def __init__(self, *args, low="", high="", **kwargs):
        super().__init__(*args, **kwargs)
        self.low = low
        self.high = high

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["widget"]["low"] = self.low
        context["widget"]["high"] = self.high
        return context
