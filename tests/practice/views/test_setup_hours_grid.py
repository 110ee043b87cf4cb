"""Setup › Working hours is a weekly grid per therapist, with add and edit from it."""

import re
from datetime import time

import pytest
from django.urls import reverse

from tests.factories import WorkingHoursFactory

pytestmark = pytest.mark.django_db


def test_each_therapist_has_a_week_with_a_block_per_shift(
    client_as, therapist, other_therapist, location
):
    morning = WorkingHoursFactory(
        therapist=therapist, location=location, weekday=0, start_time=time(9), end_time=time(13)
    )
    WorkingHoursFactory(
        therapist=therapist, location=location, weekday=0, start_time=time(14), end_time=time(18)
    )
    html = client_as("owner").get(reverse("practice:setup_hours")).content.decode()
    weeks = re.findall(r'<section class="hours-week.*?</section>', html, flags=re.S)
    assert len(weeks) == 2  # the other therapist has an empty week to fill
    dana = next(w for w in weeks if str(therapist) in w)
    days = re.findall(r'<li class="hours-day">(.*?)</li>', dana, flags=re.S)
    assert len(days) == 7
    assert "Monday" in days[0] and "09:00–13:00" in days[0] and "14:00–18:00" in days[0]
    assert "Off" in days[1]
    edit = reverse("practice:setup_hours_edit", kwargs={"hours_id": morning.pk})
    assert f'href="{edit}"' in days[0]
    assert f"?therapist={therapist.pk}&amp;weekday=1" in days[1]
    # The flat table of rows is gone.
    assert "<table" not in html


def test_add_from_a_grid_cell_opens_the_form_for_that_therapist_and_day(client_as, therapist):
    url = reverse("practice:setup_hours") + f"?therapist={therapist.pk}&weekday=3"
    html = client_as("owner").get(url).content.decode()
    assert re.search(rf'<option value="{therapist.pk}" selected>', html)
    assert re.search(r'<option value="3" selected>Thursday</option>', html)
