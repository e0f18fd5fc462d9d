"""axe-core 4.x (WCAG 2.0/2.1/2.2 A and AA) and strict HTML5 parsing on the board's newer pages:
compose with errors, search results, notifications, public profile, mentor directory and profile,
admin queue and moderation log."""
from __future__ import annotations

import re
import urllib.parse
import urllib.request

import pytest
from selenium.webdriver.common.by import By

from axe_support import describe_violations, html5_errors, run_axe
from conftest import fetch, insecure_context, sign_in, submit_and_wait
from pages import thread_path


def assert_no_axe_violations(driver, what: str):
    result = run_axe(driver)
    assert "error" not in result, result
    assert result["version"].startswith("4."), result["version"]
    violations = result["violations"]
    assert not violations, f"axe {result['version']} on {what} ({driver.current_url}):\n{describe_violations(violations)}"


def search_path(server) -> str:
    """A search for a word in a demo thread's title, so that there are results."""
    status, _, body = fetch(server.url(thread_path(server)))
    title = re.search(r"<h1[^>]*>(.*?)</h1>", body.decode("utf-8"), re.S).group(1)
    words = sorted(re.findall(r"[A-Za-z]{5,}", title), key=len, reverse=True)
    assert words, title
    return "/search?q=" + urllib.parse.quote(words[0])


# kind -> (role to sign in as, or None; path from the server)
PAGES = {
    "search-results": (None, search_path),
    "notifications": ("member", lambda s: "/notifications"),
    "public-profile": (None, lambda s: "/u/" + s.accounts["member"][0].lower()),
    "mentor-directory": ("member", lambda s: "/mentors"),
    "mentor-profile": ("member", lambda s: "/mentors/" + s.accounts["mentor"][0].lower()),
    "admin-queue": ("admin", lambda s: "/admin/queue"),
    "moderation-log": (None, lambda s: "/moderation"),
}


def cookie_header(driver) -> str:
    return "; ".join(f"{c['name']}={c['value']}" for c in driver.get_cookies())


def open_page(driver, server, kind: str) -> str:
    role, path_of = PAGES[kind]
    if role:
        sign_in(driver, *server.accounts[role])
    path = path_of(server)
    driver.get(server.url(path))
    assert "/sign-in" not in driver.current_url, f"{kind}: sent to sign in"
    return path


@pytest.mark.parametrize("kind", PAGES)
def test_board_page_has_no_axe_violations(js_driver, server, kind):
    open_page(js_driver, server, kind)
    if kind == "search-results":
        assert js_driver.find_elements(By.CSS_SELECTOR, "ol.search-results li"), "no search results"
    assert_no_axe_violations(js_driver, kind)


@pytest.mark.parametrize("kind", PAGES)
def test_board_page_is_valid_html5(js_driver, server, kind):
    path = open_page(js_driver, server, kind)
    status, headers, body = fetch(server.url(path), {"Cookie": cookie_header(js_driver)})
    assert status == 200, (kind, status)
    assert headers.get("Content-Type", "").startswith("text/html"), headers
    errors = html5_errors(body)
    assert not errors, f"{kind}: {errors}"


def compose_with_errors(driver, server):
    sign_in(driver, *server.accounts["member"])
    driver.get(server.url("/t/new"))
    submit_and_wait(driver, "main form button[name=action][value=post]")
    assert driver.title.startswith("Error: "), driver.title
    assert driver.find_elements(By.CSS_SELECTOR, ".error-summary")


def test_compose_with_errors_has_no_axe_violations(js_driver, server):
    compose_with_errors(js_driver, server)
    assert_no_axe_violations(js_driver, "compose with errors")


def test_compose_with_errors_is_valid_html5(js_driver, server):
    sign_in(js_driver, *server.accounts["member"])
    js_driver.get(server.url("/t/new"))
    csrf = js_driver.find_element(By.CSS_SELECTOR, "main form input[name=csrf]").get_attribute("value")
    data = urllib.parse.urlencode({"csrf": csrf, "briefing": "", "title": "", "body": "", "action": "post"}).encode()
    request = urllib.request.Request(server.url("/t/new"), data=data, method="POST", headers={
        "Cookie": cookie_header(js_driver), "Origin": server.base_url, "Referer": server.url("/t/new"),
        "Content-Type": "application/x-www-form-urlencoded"})
    try:
        with urllib.request.urlopen(request, context=insecure_context(), timeout=10) as response:
            status, body = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, body = error.code, error.read()
    assert status in (400, 422), status
    text = body.decode("utf-8")
    assert "error-summary" in text and "<title>Error: " in text, text[:500]
    errors = html5_errors(body)
    assert not errors, f"compose with errors: {errors}"


def test_unread_count_badge_has_no_axe_violations(js_driver, server):
    """A member with an unread notification (a mentor replied to their question) sees the count
    in the header, white on black, and the pages showing it pass axe."""
    from test_journeys_board import ask_question, reply
    from conftest import sign_out

    sign_in(js_driver, *server.accounts["member"])
    path, _, _ = ask_question(js_driver, server)
    sign_out(js_driver)
    sign_in(js_driver, *server.accounts["mentor"])
    reply(js_driver, server, path, "One ward first, then a weekly review of the rota.")
    sign_out(js_driver)

    sign_in(js_driver, *server.accounts["member"])
    for page in ("/", "/account", "/briefing"):
        js_driver.get(server.url(page))
        badge = js_driver.find_element(By.CSS_SELECTOR, ".site-header a[href='/notifications'] #unread-count")
        # Read as "Notifications 1 unread": the word is for screen readers only.
        said = re.fullmatch(r"\s*(\d+)\s+unread\s*", badge.get_attribute("textContent"))
        assert said and int(said.group(1)) >= 1, badge.get_attribute("textContent")
        colours = js_driver.execute_script(
            "const s = getComputedStyle(arguments[0]); return [s.color, s.backgroundColor];", badge)
        assert colours == ["rgb(255, 255, 255)", "rgb(11, 12, 12)"], colours
        assert_no_axe_violations(js_driver, f"{page} with the unread count")
        status, _, body = fetch(server.url(page), {"Cookie": cookie_header(js_driver)})
        assert status == 200 and b'id="unread-count"' in body, status
        errors = html5_errors(body)
        assert not errors, f"{page} with the unread count: {errors}"
