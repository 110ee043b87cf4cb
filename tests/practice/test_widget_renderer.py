"""Inputs and textareas are written in Python by the form renderer: the
characters must be those of Django's widget templates."""

from datetime import date

import pytest
from django import forms
from django.forms.renderers import TemplatesSetting
from django.utils.safestring import mark_safe

from clients.forms import CheckInForm, StaffIntakeForm
from practice.forms import FastWidgetRenderer

ODD = 'Peggy "P" <Olsen> & co'


class _Form(forms.Form):
    text = forms.CharField(max_length=20, widget=forms.TextInput(attrs={"placeholder": ODD}))
    email = forms.EmailField(required=False)
    number = forms.IntegerField(min_value=0)
    day = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    hidden = forms.CharField(widget=forms.HiddenInput)
    secret = forms.CharField(widget=forms.PasswordInput(render_value=True))
    agree = forms.BooleanField(required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "autofocus": True}))
    off = forms.CharField(widget=forms.TextInput(attrs={"disabled": False, "data-x": None}))


def _both(form):
    fast, stock = FastWidgetRenderer(), TemplatesSetting()
    for field in form:
        widget = field.field.widget
        value = field.value()
        attrs = {"id": field.auto_id}
        yield (
            field.name,
            widget.render(field.html_name, value, attrs, renderer=fast),
            widget.render(field.html_name, value, attrs, renderer=stock),
        )


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"text": ODD, "number": "7", "day": "2026-03-08", "hidden": ODD, "secret": ODD,
         "agree": "on", "notes": f"line one\n{ODD}", "off": ODD},
        {"text": "", "number": "x", "notes": mark_safe("<b>kept</b>")},
    ],
)  # fmt: skip
def test_inputs_and_textareas_are_the_template_characters(data):
    # The Python path is the one taken: Django's own templates are found.
    renderer = FastWidgetRenderer()
    assert renderer._stock("django/forms/widgets/text.html")
    assert renderer._stock("django/forms/widgets/textarea.html")
    form = _Form(data, initial={"day": date(2026, 3, 8), "number": 12345})
    for name, fast, stock in _both(form):
        assert fast == stock, name
    if data and data.get("text") == ODD:
        assert "&lt;Olsen&gt;" in _Form(data)["text"].as_widget()


def test_the_intake_and_check_in_fields_are_the_template_characters():
    for form in (StaffIntakeForm(), StaffIntakeForm({"chief_complaint": ODD}), CheckInForm()):
        for name, fast, stock in _both(form):
            assert fast == stock, name


def test_an_overridden_widget_template_is_rendered_from_the_template(tmp_path, settings):
    override = tmp_path / "django" / "forms" / "widgets"
    override.mkdir(parents=True)
    (override / "text.html").write_text('<input data-overridden name="{{ widget.name }}">')
    settings.TEMPLATES = [
        {**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}
    ]
    html = forms.TextInput().render("q", "x", renderer=FastWidgetRenderer())
    assert html == '<input data-overridden name="q">'
