from clients.body_map import BACK_SHAPES, FRONT_SHAPES
from clients.body_regions import BACK, BODY_REGIONS, FRONT
from clients.forms import body_region_field


def test_every_body_region_is_drawn_once_on_its_view():
    assert set(FRONT_SHAPES) == {code for code, _ in FRONT}
    assert set(BACK_SHAPES) == {code for code, _ in BACK}


def test_widget_draws_clickable_regions_that_mirror_the_checkboxes():
    field = body_region_field("Where do you feel pain?")
    html = field.widget.render("pain_regions", ["low_back", "knee_left"], attrs={"id": "id_pain"})
    for code in BODY_REGIONS:
        assert f'data-region="{code}"' in html
        assert f'id="id_pain-map-{code}"' in html
        assert f'value="{code}"' in html
    assert html.count('aria-pressed="true"') == 2
    assert html.count("checked") == 2
    assert 'role="button" tabindex="0"' in html


def test_body_map_survives_crispy_forms():
    """Other apps render forms with crispy: the map must not turn into a plain list."""
    from django import forms
    from django.template import Context, Template

    class NoteForm(forms.Form):
        regions = body_region_field("Regions treated")

    html = Template("{% load crispy_forms_tags %}{{ form|crispy }}").render(
        Context({"form": NoteForm(data={"regions": ["calf_left"]})})
    )
    assert 'data-region="calf_left"' in html
    assert 'aria-pressed="true"' in html
    assert 'type="checkbox"' in html and 'value="calf_left"' in html
    assert "<legend" in html and "Regions treated" in html


def test_no_regions_ticked_means_an_empty_list():
    from django import forms

    class NoteForm(forms.Form):
        regions = body_region_field("Regions treated")

    form = NoteForm(data={})
    assert form.is_valid()
    assert form.cleaned_data["regions"] == []
