from rest_framework.pagination import CursorPagination


class Cursor(CursorPagination):
    """Opaque cursors: stable while rows are added, and no COUNT over a large table."""

    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = "-pk"


def cursor_by(*ordering):
    """Cursor pagination in this order; the first field positions the cursor,
    so it should be (nearly) unique and indexed."""
    return type("Cursor", (Cursor,), {"ordering": ordering})
