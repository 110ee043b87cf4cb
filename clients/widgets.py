from django import forms


class BodyMapWidget(forms.CheckboxSelectMultiple):
    """Body regions as an accessible checkbox list.

    The checkbox list is the source of truth: keyboard and screen-reader users
    use it directly, and the clickable SVG body map (static/js/body-map.js)
    only toggles these checkboxes, so a validation error never loses marks.
    """

    template_name = "clients/widgets/body_map.html"
