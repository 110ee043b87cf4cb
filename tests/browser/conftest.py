import contextlib
import os
import shutil

import pytest

from tests.conftest import _unavailable

# Playwright's sync API runs an event loop in this thread; the ORM calls made by
# fixtures around it are still plain synchronous code.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"

# Chromium reports a CSP violation through its log domain, which Playwright's
# "console" event never sees; the page's own securitypolicyviolation event does.
CSP_LISTENER = """
document.addEventListener("securitypolicyviolation", function (event) {
  window.__reliefReport(
    "CSP violation: " + event.violatedDirective + " blocked " +
    (event.blockedURI || "inline") + " at " + event.documentURI +
    (event.sample ? " (" + event.sample + ")" : "")
  );
}, true);
"""


class ConsoleWatch:
    """Every console error, uncaught exception and CSP violation of one browser context.

    One thing is not a fault: Chromium logs "Failed to load resource" for a
    page that answers with an error status on purpose (a used reminder link's
    410, a 404), and the journey asserts what that page shows. The same
    message for a script, a stylesheet or an htmx request still counts.
    """

    def __init__(self, context):
        self._reports = []
        self._error_documents = set()
        context.expose_binding("__reliefReport", lambda _source, text: self._reports.append(text))
        context.add_init_script(CSP_LISTENER)

    def watch(self, page):
        page.on("console", self._console)
        page.on("pageerror", lambda error: self._reports.append(f"page error: {error}"))
        page.on("response", self._response)
        return page

    def _console(self, msg):
        if msg.type == "error":
            self._reports.append((f"console error: {msg.text}", msg.location.get("url")))

    def _response(self, response):
        if response.status >= 400 and response.request.resource_type == "document":
            self._error_documents.add(response.url)

    @property
    def problems(self):
        found = []
        for report in self._reports:
            if isinstance(report, tuple):
                text, url = report
                if "Failed to load resource" in text and url in self._error_documents:
                    continue
                report = text
            found.append(report)
        return found

    def clear(self):
        self._reports.clear()


def _watched_page(browser, **options):
    context = browser.new_context(**options)
    watch = ConsoleWatch(context)
    page = watch.watch(context.new_page())
    page.console_watch = watch
    return context, page, watch


def _fail_on_problems(request, context, page, watch):
    # Reports that are still on their way arrive once the page has settled.
    if not page.is_closed():
        # A crashed page has reported already.
        with contextlib.suppress(Exception):
            page.wait_for_timeout(100)
    context.close()
    failed = getattr(request.node, "rep_call", None)
    if watch.problems and not (failed is not None and failed.failed):
        pytest.fail(
            "The journey logged browser errors:\n" + "\n".join(watch.problems), pytrace=False
        )


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report


@pytest.fixture(scope="session")
def browser():
    if not shutil.which(CHROMIUM):
        _unavailable("needs Debian's chromium at /usr/bin/chromium")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(request, browser, live_server):
    """A desktop page; the test fails if any page logs an error or breaks the CSP."""
    context, page, watch = _watched_page(browser, base_url=live_server.url)
    yield page
    _fail_on_problems(request, context, page, watch)


@pytest.fixture
def phone_page(request, browser, live_server):
    """A 375 px phone page, watched like `page`."""
    context, page, watch = _watched_page(
        browser,
        base_url=live_server.url,
        viewport={"width": 375, "height": 740},
        is_mobile=True,
    )
    yield page
    _fail_on_problems(request, context, page, watch)
