"""The lists' cursor orders are walks of an index, not sorts of a whole table."""

import pytest
from django.db import connection

from api.rest import selectors
from api.rest.views.resources import IntakeViewSet
from tests.clients.factories import IntakeFactory

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]


def test_the_intake_list_walks_its_index_in_the_cursor_order(owner):
    IntakeFactory.create_batch(3)
    page = selectors.api_intakes(owner).order_by(*IntakeViewSet.pagination_class.ordering)[:101]
    with connection.cursor() as cursor:
        # A handful of rows would be sorted in memory; a practice's are not.
        cursor.execute("SET LOCAL enable_seqscan = off")
    plan = page.explain()
    assert "intake_recent" in plan and "Sort" not in plan, plan
