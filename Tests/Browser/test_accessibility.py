"""axe-core 4.x (WCAG 2.0/2.1/2.2 A and AA) and strict HTML5 parsing on every page kind."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By

from axe_support import describe_violations, html5_errors, run_axe
from conftest import fetch, sign_in, submit_and_wait
from pages import organisation_path, thread_path, topic_path

PUBLIC_PAGES = {
    "home": lambda s: "/",
    "topic": topic_path,
    "thread": thread_path,
    "briefing": lambda s: "/briefing",
    "organisation": organisation_path,
    "sign-in": lambda s: "/sign-in",
    "sign-in-after-registering": lambda s: "/sign-in?registered=1",
    "register": lambda s: "/register",
    "accessibility": lambda s: "/accessibility",
    "404": lambda s: "/no-such-page",
    "400": lambda s: "/t/not-a-thread%ZZ",
}
SIGNED_IN_PAGES = {
    "account": "/account",
    "password": "/account/password",
    "sessions": "/account/sessions",
    "your-data": "/account/data",
    "two-factor": "/account/two-factor",
    "notification-settings": "/account/notifications",
}
# Pages that show a notification banner (what just happened): checked to show it, so that axe
# sees the banner and not the page without it. The words after an action are shown only to the
# browser that acted, so those pages are reached by acting: test_notices.py.
BANNER_PAGES = {"sign-in-after-registering"}


def assert_banner_shown(driver, kind: str):
    if kind in BANNER_PAGES:
        banners = driver.find_elements(By.CSS_SELECTOR, "main .notification-banner")
        assert banners and banners[0].is_displayed(), f"{kind}: no notification banner on {driver.current_url}"


def assert_no_axe_violations(driver, what: str):
    result = run_axe(driver)
    assert "error" not in result, result
    assert result["version"].startswith("4."), result["version"]
    violations = result["violations"]
    assert not violations, f"axe {result['version']} on {what} ({driver.current_url}):\n{describe_violations(violations)}"


@pytest.mark.parametrize("kind", PUBLIC_PAGES)
def test_public_page_has_no_axe_violations(js_driver, server, kind):
    js_driver.get(server.url(PUBLIC_PAGES[kind](server)))
    assert_banner_shown(js_driver, kind)
    assert_no_axe_violations(js_driver, kind)


@pytest.mark.parametrize("kind", SIGNED_IN_PAGES)
def test_signed_in_page_has_no_axe_violations(js_driver, server, kind):
    sign_in(js_driver, *server.accounts["member"])
    js_driver.get(server.url(SIGNED_IN_PAGES[kind]))
    assert_banner_shown(js_driver, kind)
    assert_no_axe_violations(js_driver, kind)


def test_register_with_errors_has_no_axe_violations(js_driver, server):
    link = server.cli("invite", "--role", "member", "--base-url", server.base_url).strip().splitlines()[-1]
    js_driver.get(link)
    submit_and_wait(js_driver)
    assert js_driver.find_elements(By.CSS_SELECTOR, ".error-summary")
    assert_no_axe_violations(js_driver, "register with errors")


def test_sign_in_with_errors_has_no_axe_violations(js_driver, server):
    js_driver.get(server.url("/sign-in"))
    submit_and_wait(js_driver)
    assert js_driver.find_elements(By.CSS_SELECTOR, ".error-summary")
    assert_no_axe_violations(js_driver, "sign in with errors")


def test_forbidden_page_has_no_axe_violations(js_driver, server):
    """A 403 page: a form sent with a stale CSRF token."""
    js_driver.get(server.url("/sign-in"))
    js_driver.execute_script("document.querySelector('main form input[name=csrf]').value = 'stale';")
    js_driver.find_element(By.ID, "identifier").send_keys("someone")
    js_driver.find_element(By.ID, "password").send_keys("something long")
    submit_and_wait(js_driver)
    assert_no_axe_violations(js_driver, "403")


def test_too_large_page_has_no_axe_violations(js_driver, server):
    """A 413 page: a form whose body is over the 1 MiB default limit."""
    js_driver.get(server.url("/sign-in"))
    js_driver.execute_script("document.getElementById('identifier').value = 'x'.repeat(1100000);")
    js_driver.find_element(By.ID, "password").send_keys("something long")
    submit_and_wait(js_driver)
    assert "too large" in js_driver.find_element(By.TAG_NAME, "h1").text
    assert_no_axe_violations(js_driver, "413")


@pytest.mark.parametrize("kind", PUBLIC_PAGES)
def test_public_page_is_valid_html5(server, kind):
    status, headers, body = fetch(server.url(PUBLIC_PAGES[kind](server)))
    assert headers.get("Content-Type", "").startswith("text/html"), (status, headers)
    assert kind not in BANNER_PAGES or b'class="notification-banner' in body, f"{kind}: no notification banner"
    errors = html5_errors(body)
    assert not errors, f"{kind}: {errors}"


@pytest.mark.parametrize("kind", SIGNED_IN_PAGES)
def test_signed_in_page_is_valid_html5(js_driver, server, kind):
    sign_in(js_driver, *server.accounts["member"])
    js_driver.get(server.url(SIGNED_IN_PAGES[kind]))
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in js_driver.get_cookies())
    status, _, body = fetch(server.url(SIGNED_IN_PAGES[kind]), {"Cookie": cookies})
    assert status == 200, status
    assert kind not in BANNER_PAGES or b'class="notification-banner' in body, f"{kind}: no notification banner"
    errors = html5_errors(body)
    assert not errors, f"{kind}: {errors}"


def test_error_statuses_are_real_pages(server):
    for path, status in [("/no-such-page", 404), ("/t/not-a-thread%ZZ", 400)]:
        got, _, body = fetch(server.url(path))
        assert got == status, (path, got)
        text = body.decode("utf-8")
        assert 'class="site-header"' in text and "<main" in text, f"{path}: not in the layout"
