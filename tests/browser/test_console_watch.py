"""The browser fixtures fail a journey on any console error or CSP violation."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The project's own policy, on a page that breaks it three ways.
POLICY = "default-src 'self'; script-src 'self'; style-src 'self'"
BAD_PAGE = """<!doctype html><html><body>
<p style="color: red">inline style attribute</p>
<script src="/probe.js"></script>
</body></html>"""
BAD_SCRIPT = """
console.error("something broke");
var p = document.createElement("p");
p.setAttribute("style", "color: blue");
document.body.appendChild(p);
setTimeout(function () { throw new Error("uncaught in a timer"); }, 0);
"""


def test_every_kind_of_browser_error_is_collected(page):
    def serve(route):
        path = route.request.url.rsplit("/", 1)[-1]
        if path == "probe.js":
            route.fulfill(body=BAD_SCRIPT, content_type="text/javascript")
        else:
            route.fulfill(
                body=BAD_PAGE,
                content_type="text/html",
                headers={"Content-Security-Policy": POLICY},
            )

    page.route("**/probe*", serve)
    page.goto("/probe")
    page.wait_for_function("document.querySelectorAll('p').length === 2")
    page.wait_for_timeout(200)
    problems = page.console_watch.problems
    # The fixture would fail this test for them; it has proved its point, so clear.
    page.console_watch.clear()
    assert any(p.startswith("console error: something broke") for p in problems), problems
    assert any(p.startswith("page error:") and "uncaught in a timer" in p for p in problems)
    csp = [p for p in problems if p.startswith("CSP violation: style-src")]
    # The inline attribute in the HTML and the one set from script.
    assert len(csp) == 2, problems


def test_a_page_answering_an_error_status_on_purpose_is_not_a_fault(page):
    # A reminder link that is no good answers 404 with a friendly page.
    response = page.goto("/r/x/not-a-token/")
    assert response.status >= 400
    assert page.console_watch.problems == []


def test_a_missing_script_is_a_fault(page):
    def serve(route):
        route.fulfill(
            body='<!doctype html><script src="/static/js/gone.js"></script>',
            content_type="text/html",
        )

    page.route("**/probe", serve)
    page.goto("/probe")
    page.wait_for_timeout(200)
    problems = page.console_watch.problems
    page.console_watch.clear()
    assert any("Failed to load resource" in p for p in problems), problems
