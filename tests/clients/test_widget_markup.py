"""The rating rows and body maps are written in Python for speed: the markup
must stay what their templates render (the templates remain the reference)."""

import pytest
from django.test.html import parse_html

from clients.forms import body_region_field, rating_field
from clients.widgets import ProjectTemplateMixin


def _from_template(widget, name, value, attrs):
    context = widget.get_context(name, value, attrs)
    return ProjectTemplateMixin._render(widget, widget.template_name, context)


@pytest.mark.parametrize("value", [None, 0, 7, 10, "junk"])
def test_a_rating_row_is_the_template_markup(value):
    widget = rating_field("Pain", "no pain <at all>", "worst & imaginable").widget
    attrs = {"id": "id_pain_now"}
    fast = widget.render("pain_now", value, attrs)
    assert parse_html(fast) == parse_html(_from_template(widget, "pain_now", value, attrs))
    if value == 7:
        assert 'value="7" id="id_pain_now_7" autocomplete="off" checked' in fast
    assert "&lt;at all&gt;" in fast and "worst &amp; imaginable" in fast


@pytest.mark.parametrize("value", [None, [], ["low_back"], ["neck_back", "glute_left", "nope"]])
def test_a_body_map_is_the_template_markup(value):
    widget = body_region_field("Where").widget
    attrs = {"id": "id_regions"}
    fast = widget.render("regions", value, attrs)
    assert parse_html(fast) == parse_html(_from_template(widget, "regions", value, attrs))
    for code in value or ():
        if code != "nope":
            assert f'data-region="{code}" role="button" tabindex="0" aria-pressed="true"' in fast
