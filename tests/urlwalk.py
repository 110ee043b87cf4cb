"""Walk the project's URL patterns, for the access matrix."""

from django.urls import URLPattern, URLResolver, get_resolver


def walk(patterns=None, namespace=None, prefix=""):
    """Yield (url name, route, view callback) for every named project URL."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # Django admin guards itself with is_staff.
            ns = entry.namespace
            full_ns = f"{namespace}:{ns}" if namespace and ns else (ns or namespace)
            yield from walk(entry.url_patterns, full_ns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield name, prefix + str(entry.pattern), entry.callback
