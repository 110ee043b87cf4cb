from django import forms
from django.template.loader import render_to_string
from django.utils.html import conditional_escape, format_html
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

    def render(self, name, value, attrs=None, renderer=None):
        """The map and its checkbox list as one string, from fragments that
        never change (the shapes, titles, labels) and the few that do (ids,
        marks). Same markup as `clients/widgets/body_map.html`: a template
        loop over some fifty regions and options, each option built as a
        context by Django, made a note or intake form's maps its slowest part."""
        attrs = self.build_attrs(self.attrs, attrs)
        id_ = conditional_escape(attrs.get("id") or "")
        chosen = {str(v) for v in self.format_value(value)}
        esc_name = conditional_escape(name)
        out = [
            '<div class="body-map body-map-pickable" data-body-map>',
            '<div class="body-map-figures">',
        ]
        for view in body_map_views(()):
            out.append(
                format_html(
                    '<figure class="body-map-view"><svg viewBox="{}" class="body-map-svg"'
                    ' role="group" aria-label="Body map, {} view">'
                    '<path class="bm-outline" aria-hidden="true" d="{}"/>'
                    '<text x="16" y="24" class="bm-side" aria-hidden="true">{}</text>'
                    '<text x="174" y="24" class="bm-side" aria-hidden="true">{}</text>',
                    view["view_box"],
                    view["title"].lower(),
                    view["silhouette"],
                    view["sides"][0],
                    view["sides"][1],
                )
            )
            for region in view["regions"]:
                code = conditional_escape(region["code"])
                label = conditional_escape(region["label"])
                marked = region["code"] in chosen
                out.append(
                    f'<g id="{id_}-map-{code}" class="bm-region{" is-marked" if marked else ""}"'
                    f' data-region="{code}" role="button" tabindex="0"'
                    f' aria-pressed="{"true" if marked else "false"}" aria-label="{label}">'
                    f"<title>{label}</title>{conditional_escape(region['shape'])}</g>"
                )
            out.append(
                format_html(
                    '</svg><figcaption>{} <span class="visually-hidden">view: {} and {} mark'
                    " the client's right and left</span></figcaption></figure>",
                    view["title"],
                    view["sides"][0],
                    view["sides"][1],
                )
            )
        out.append("</div>")
        out.append(
            '<p class="body-map-summary small" aria-live="polite" data-body-map-summary></p>'
        )
        out.append('<details class="body-map-list" open data-body-map-list>')
        out.append("<summary>Choose from a list instead</summary>")
        for index, (group, options) in enumerate(self.choices):
            out.append(
                format_html(
                    '<fieldset class="body-map-group"><legend class="h6 mt-2">{}</legend>', group
                )
            )
            for subindex, (code, label) in enumerate(options):
                option_id = f"{id_}_{index}_{subindex}" if id_ else ""
                checked = " checked" if str(code) in chosen else ""
                out.append(
                    f'<div class="form-check"><input type="checkbox" class="form-check-input"'
                    f' name="{esc_name}" value="{conditional_escape(code)}" id="{option_id}"'
                    f'{checked}><label class="form-check-label" for="{option_id}">'
                    f"{conditional_escape(label)}</label></div>"
                )
            out.append("</fieldset>")
        out.append("</details></div>")
        return mark_safe("\n".join(out))  # noqa: S308 -- every value above is escaped


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

    def render(self, name, value, attrs=None, renderer=None):
        """The row of eleven buttons as one string: the intake form has nine of
        these, and Django's per-option contexts plus a template call per row
        were over half of the form's render time. Same markup as the template
        (`clients/widgets/rating.html`, kept for reference and for subclasses)."""
        attrs = self.build_attrs(self.attrs, attrs)
        id_ = attrs.get("id") or ""
        chosen = {str(v) for v in self.format_value(value)}
        esc_name = conditional_escape(name)
        parts = [format_html('<div class="rating"{}>', format_html(' id="{}"', id_) if id_ else "")]
        parts.append('<div class="rating-scale">')
        for index, (option_value, label) in enumerate(self.choices):
            option_id = conditional_escape(self.id_for_label(id_, index)) if id_ else ""
            value_text = conditional_escape(str(option_value))
            checked = " checked" if str(option_value) in chosen else ""
            parts.append(
                f'<input type="radio" class="btn-check" name="{esc_name}" value="{value_text}"'
                f' id="{option_id}" autocomplete="off"{checked}>'
                f'<label class="btn btn-outline-primary" for="{option_id}">'
                f"{conditional_escape(label)}</label>"
            )
        parts.append("</div>")
        if self.low or self.high:
            parts.append(
                format_html(
                    '<div class="rating-anchors small text-body-secondary">'
                    "<span>0 = {}</span><span>10 = {}</span></div>",
                    self.low,
                    self.high,
                )
            )
        parts.append("</div>")
        return mark_safe("\n".join(parts))  # noqa: S308 -- every value above is escaped
