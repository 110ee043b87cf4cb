"""Form fields are written by `{% form_field %}` in Python for speed: the markup
must stay what `clients/_field.html` renders (the template stays the reference)."""

import pytest
from django import forms
from django.template.loader import render_to_string
from django.test.html import parse_html

from api.imports.forms import UploadForm
from clients.forms import CheckInForm, ClientForm, StaffIntakeForm
from clients.templatetags.clients_tags import field_html


def _assert_same_markup(form):
    for field in form:
        fast = field_html(field)
        reference = render_to_string("clients/_field.html", {"field": field})
        assert parse_html(fast) == parse_html(reference), field.name


def test_an_empty_intake_is_the_template_markup():
    form = StaffIntakeForm()
    _assert_same_markup(form)
    assert 'id="field-pain_now"' in field_html(form["pain_now"])


def test_an_intake_with_errors_and_odd_text_is_the_template_markup():
    form = StaffIntakeForm(
        {
            "chief_complaint": '<script>"x"</script> & more',
            "pain_now": "11",
            "duration": "months",
            "pain_character": ["aching", "nope"],
            "pressure_preference": "medium",
            "consent_signature": "Peggy <Olsen>",
        }
    )
    assert not form.is_valid()
    _assert_same_markup(form)
    complaint = field_html(form["chief_complaint"])
    assert "&lt;script&gt;" in complaint and "<script>" not in complaint
    assert 'aria-describedby="id_pain_now_error"' in field_html(form["pain_now"])


def test_checkin_client_and_import_forms_are_the_template_markup(db):
    _assert_same_markup(CheckInForm({"pain_now": "x"}))
    _assert_same_markup(ClientForm())
    _assert_same_markup(ClientForm({"first_name": "", "email": "not-an-email"}))
    _assert_same_markup(UploadForm())


class _ChoiceForm(forms.Form):
    kind = forms.ChoiceField(
        label='Kind "A" & <B>',
        choices=[("a", "A & a"), ("b", "<B>")],
        widget=forms.RadioSelect,
        help_text="Pick <one>",
    )
    tags = forms.MultipleChoiceField(
        choices=[(1, "One"), (2, "Two")], widget=forms.CheckboxSelectMultiple, required=False
    )
    agree = forms.BooleanField(label="I agree")
    hidden = forms.CharField(widget=forms.HiddenInput, required=False)


@pytest.mark.parametrize(
    "data", [None, {"kind": "b", "tags": ["2"]}, {"kind": "zz", "tags": ["9"]}]
)
def test_choice_lists_checkboxes_and_hidden_fields_are_the_template_markup(data):
    form = _ChoiceForm(data)
    if data:
        form.is_valid()
    _assert_same_markup(form)
    if data and data["kind"] == "b":
        assert 'value="b" id="id_kind_1" checked' in field_html(form["kind"])
