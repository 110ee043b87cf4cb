"""HTML escaping for fragments written in Python, value by value.

Django's `conditional_escape` gives the same characters, but it is wrapped
in `keep_lazy`, which checks every argument for a lazy string before each
call: on a day calendar's few hundred values that check cost more than the
escaping. Lazy strings are still honoured here, and so is anything already
safe (it has `__html__`).
"""

from html import escape

from django.utils.functional import Promise


def escape_value(value) -> str:
    """`conditional_escape(value)`, as a plain string."""
    if isinstance(value, Promise):
        value = str(value)
    if hasattr(value, "__html__"):
        return value.__html__()
    return escape(str(value))
