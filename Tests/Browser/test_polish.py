"""Issue 18 follow-ups, walked as a person would at 1280 and 375 px, JavaScript on and off where a
form is involved: the welcome page names a mentor's organisation once, a notification's meta
line has no stray separator, "Stop following" is a real button followed by a word, the sessions
table fits a phone, search names a date it cannot use, the settings say what the server default
is, and the briefing's date is a date field. axe stays clean. Each test leaves the shared demo
network as it found it."""
from __future__ import annotations

import datetime
import re

import pytest
from selenium.webdriver.common.by import By

from axe_support import describe_violations, run_axe
from conftest import sign_in, sign_out, staleness_of, submit_and_wait
from pages import thread_path
from selenium.webdriver.support.ui import WebDriverWait
from test_journeys_board import ask_question, reply


def check_axe(driver, what: str) -> None:
    if not driver.javascript_enabled:
        return
    result = run_axe(driver)
    assert "error" not in result, result
    assert not result["violations"], f"axe on {what} ({driver.current_url}):\n{describe_violations(result['violations'])}"


def at_width(driver, width: int) -> None:
    """Shows the current page `width` CSS pixels wide (a phone at 375), emulated when the
    headless window cannot be that narrow."""
    driver.set_window_size(width, 900)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600})
    driver.refresh()


def full_width(driver) -> None:
    driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    driver.set_window_size(1280, 900)


def no_sideways_scroll(driver, what: str) -> None:
    if not driver.javascript_enabled:
        return
    inner = driver.execute_script("return window.innerWidth")
    scroll = driver.execute_script("return document.documentElement.scrollWidth")
    assert scroll <= inner, f"{what} scrolls sideways: {scroll} > {inner}"


def main_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "main").text


def test_welcome_names_the_mentors_organisation_once(driver, server):
    sign_in(driver, *server.accounts["member"])
    try:
        for width in (1280, 375):
            driver.get(server.url("/welcome"))
            at_width(driver, width)
            line = next(li.text for li in driver.find_elements(By.CSS_SELECTOR, "main li") if "Helen Marsh" in li.text)
            assert line.count("John Lewis Partnership") == 1, line
            no_sideways_scroll(driver, "/welcome")
            check_axe(driver, "the welcome page")
    finally:
        full_width(driver)


def test_notification_meta_lines_have_no_stray_separator(driver, server):
    # A reply to the member's question gives them a notification, unread then read.
    sign_in(driver, *server.accounts["member"])
    path, title, _ = ask_question(driver, server)
    sign_out(driver)
    sign_in(driver, *server.accounts["mentor"])
    reply(driver, server, path, "We split the rota by site and it worked.")
    sign_out(driver)
    sign_in(driver, *server.accounts["member"])
    for width in (1280, 375):
        driver.get(server.url("/notifications"))
        at_width(driver, width)
        items = [li for li in driver.find_elements(By.CSS_SELECTOR, ".notification-list__item") if title in li.text]
        assert items, main_text(driver)
        for meta in [m.text.strip() for m in driver.find_elements(By.CSS_SELECTOR, ".notification-list__item .meta")]:
            assert meta and not meta.startswith("·") and not meta.endswith("·") and "· ·" not in meta, repr(meta)
        assert items[0].find_element(By.CSS_SELECTOR, ".meta").text.endswith(" · New")
        check_axe(driver, "notifications")
    full_width(driver)
    driver.get(server.url("/notifications"))
    item = next(li for li in driver.find_elements(By.CSS_SELECTOR, ".notification-list__item") if title in li.text)
    submit_and_wait(driver, f".notification-list__item form:has(input[name=id][value='{item.find_element(By.CSS_SELECTOR, 'input[name=id]').get_attribute('value')}']) button")
    item = next(li for li in driver.find_elements(By.CSS_SELECTOR, ".notification-list__item") if title in li.text)
    meta = item.find_element(By.CSS_SELECTOR, ".meta").text.strip()
    assert "·" not in meta and "New" not in meta, repr(meta)


def test_stop_following_is_a_button_and_says_what_happened(driver, server):
    sign_in(driver, *server.accounts["member"])
    path = thread_path(server)
    driver.get(server.url(path))
    title = driver.find_element(By.TAG_NAME, "h1").text
    followed_before = bool(driver.find_elements(By.CSS_SELECTOR, ".thread-follow button[value=unfollow]"))
    if not followed_before:
        submit_and_wait(driver, ".thread-follow button[value=follow]")
    try:
        for width in (1280, 375):
            driver.get(server.url("/following"))
            at_width(driver, width)
            row = next(li for li in driver.find_elements(By.CSS_SELECTOR, ".following-list__item") if title in li.text)
            button = row.find_element(By.CSS_SELECTOR, "button")
            assert button.text.startswith("Stop following")
            assert "button--secondary" in button.get_attribute("class")
            assert button.size["height"] >= 44 and button.size["width"] >= 44, button.size
            no_sideways_scroll(driver, "/following")
            check_axe(driver, "/following")
        full_width(driver)
        driver.get(server.url("/following"))
        row = next(li for li in driver.find_elements(By.CSS_SELECTOR, ".following-list__item") if title in li.text)
        button = row.find_element(By.CSS_SELECTOR, "button")
        button.click()
        WebDriverWait(driver, 15).until(staleness_of(button))
        assert "/following?notice=stopped-following-thread." in driver.current_url, driver.current_url
        banner = driver.find_element(By.CSS_SELECTOR, ".notification-banner").text
        assert "You have stopped following the thread." in banner
        assert all(title not in li.text for li in driver.find_elements(By.CSS_SELECTOR, ".following-list__item"))
        check_axe(driver, "/following after stopping")
    finally:
        full_width(driver)
        if followed_before:  # as it was
            driver.get(server.url(path))
            submit_and_wait(driver, ".thread-follow button[value=follow]")


def test_the_sessions_table_fits_a_phone(js_driver, server):
    sign_in(js_driver, *server.accounts["member"])
    js_driver.get(server.url("/account/sessions"))
    try:
        at_width(js_driver, 375)
        no_sideways_scroll(js_driver, "/account/sessions")
        cell = js_driver.find_element(By.CSS_SELECTOR, "td[data-label=Browser]")
        label = js_driver.execute_script("return getComputedStyle(arguments[0], '::before').content", cell)
        assert "Browser" in label, label
        button = js_driver.find_element(By.CSS_SELECTOR, "td.table__action button")
        assert button.location["x"] + button.size["width"] <= 375
        check_axe(js_driver, "sessions at 375 px")
        at_width(js_driver, 1280)
        assert js_driver.find_element(By.CSS_SELECTOR, "table.table--stacked thead").size["height"] > 10
        check_axe(js_driver, "sessions at 1280 px")
    finally:
        full_width(js_driver)


def test_search_names_a_date_it_cannot_use(driver, server):
    try:
        for width in (1280, 375):
            driver.get(server.url("/search?q=board&organisation=tri-borough-mutual&from=2026-02-30"))
            at_width(driver, width)
            summary = driver.find_element(By.CSS_SELECTOR, ".error-summary")
            assert "There is a problem with your search" in summary.text
            link = summary.find_element(By.CSS_SELECTOR, "a[href='#search-from']")
            assert link.text == "“Written on or after” must be a real date, for example 2026-03-27 (year, month, day)"
            # The query and the other filter are kept; only the filter in use is counted.
            assert driver.find_element(By.ID, "site-search").get_attribute("value") == "board"
            assert "(1 in use)" in driver.find_element(By.CSS_SELECTOR, "summary.search-filters__summary").text
            assert driver.find_element(By.ID, "search-from").is_displayed()
            assert "must be a real date" in driver.find_element(By.ID, "search-from-error").text
            no_sideways_scroll(driver, "search with a bad date")
            check_axe(driver, "search with a bad date")
        full_width(driver)
        driver.find_element(By.CSS_SELECTOR, ".error-summary a[href='#search-from']").click()
        assert driver.current_url.endswith("#search-from")
    finally:
        full_width(driver)


def test_settings_say_what_the_server_default_is(driver, server):
    sign_in(driver, *server.accounts["admin"])
    driver.get(server.url("/admin/settings"))
    options = [o.text for o in driver.find_elements(By.CSS_SELECTOR, "main select option")]
    assert not [o for o in options if o == "Server default"], options
    defaults = [o for o in options if o.startswith("Server default")]
    for option in defaults:
        assert re.fullmatch(r"Server default \(currently: .+\)", option), option
    assert "the value built into the server applies" in main_text(driver)
    check_axe(driver, "settings")


def test_the_briefing_published_field_is_a_date_with_today(driver, server):
    sign_in(driver, *server.accounts["admin"])
    try:
        for width in (1280, 375):
            driver.get(server.url("/briefing/new"))
            at_width(driver, width)
            field = driver.find_element(By.ID, "published")
            assert field.get_attribute("type") == "date"
            assert field.get_attribute("value") == datetime.datetime.now(datetime.timezone.utc).date().isoformat()
            hint = driver.find_element(By.ID, "published-hint").text
            assert "Today is filled in" in hint and "YYYY" not in hint
            no_sideways_scroll(driver, "/briefing/new")
            check_axe(driver, "the briefing form")
        full_width(driver)
        if not driver.javascript_enabled:
            return
        # A date the server cannot read (a browser without a date picker sends what was typed):
        # the error summary, and everything typed kept. Nothing is saved.
        driver.get(server.url("/briefing/new"))
        driver.find_element(By.ID, "title").send_keys("A briefing item that is never saved")
        driver.find_element(By.ID, "url").send_keys("https://example.org/never")
        driver.execute_script("arguments[0].type = 'text'; arguments[0].value = '30/02/2026';", driver.find_element(By.ID, "published"))
        submit_and_wait(driver, "main form button[type=submit]")
        summary = driver.find_element(By.CSS_SELECTOR, ".error-summary")
        assert summary.find_elements(By.CSS_SELECTOR, "a[href='#published']"), summary.text
        assert driver.find_element(By.ID, "title").get_attribute("value") == "A briefing item that is never saved"
        assert driver.find_element(By.ID, "published").get_attribute("type") == "date"
        check_axe(driver, "the briefing form with errors")
    finally:
        full_width(driver)
