"""Journeys a person takes with the pages that exist now, each with JavaScript on and off."""
from __future__ import annotations

import re
import uuid
from urllib.parse import urlparse

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from axe_support import describe_violations, run_axe
from conftest import signed_in_header, sign_in, sign_out, staleness_of, submit_and_wait
from pages import thread_path, topic_path


def main_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "main").text


def path_of(driver) -> str:
    """The current page's path and query, without the host."""
    parts = urlparse(driver.current_url)
    return parts.path + ("?" + parts.query if parts.query else "")


def test_register_then_sign_in_lands_on_the_welcome_page(driver, server):
    """Register with an invite, land on the sign-in page with a banner that says what happened
    and what to do next (registering does not sign in: docs/security.md), sign in with what was
    chosen (the handle with JavaScript, the email address without), land on the new account."""
    link = server.cli("invite", "--role", "member", "--base-url", server.base_url).strip().splitlines()[-1]
    assert re.match(r"^https://localhost:\d+/register\?invite=\S+$", link), link
    driver.get(link)
    assert driver.find_element(By.TAG_NAME, "h1").text == "Register"
    handle = "reader_" + uuid.uuid4().hex[:8]
    email = f"{handle}@example.org"
    driver.find_element(By.ID, "handle").send_keys(handle)
    driver.find_element(By.ID, "displayName").send_keys("Rowan Reader")
    driver.find_element(By.ID, "email").send_keys(email)
    driver.find_element(By.ID, "password").send_keys("walnut ferry lantern")
    submit_and_wait(driver)
    assert not driver.find_elements(By.CSS_SELECTOR, ".error-summary"), main_text(driver)

    # The sign-in page, not signed in, with a success banner above the heading.
    assert path_of(driver) == "/sign-in?registered=1", driver.current_url
    assert driver.title == "Sign in – Mutuals Network", driver.title
    assert driver.find_element(By.TAG_NAME, "h1").text == "Sign in"
    assert not signed_in_header(driver)
    banner = driver.find_element(By.CSS_SELECTOR, "main .notification-banner")
    assert banner.get_attribute("role") == "alert"
    title = banner.find_element(By.CSS_SELECTOR, ".notification-banner__title")
    assert title.text == "Success" and banner.get_attribute("aria-labelledby") == title.get_attribute("id")
    text = banner.text
    assert "Thank you for registering" in text, text
    assert "sign in below with the handle or email address and the password you chose" in text, text
    assert "If you already had an account with that email address, sign in to that account instead" in text, text
    assert driver.execute_script(
        "return arguments[0].compareDocumentPosition(document.querySelector('main h1')) & Node.DOCUMENT_POSITION_FOLLOWING",
        banner), "the banner is not above the heading"

    driver.find_element(By.ID, "identifier").send_keys(handle if driver.javascript_enabled else email)
    driver.find_element(By.ID, "password").send_keys("walnut ferry lantern")
    submit_and_wait(driver)

    # Signed in, on the welcome page (what this is, how to ask, who the mentors are), then
    # the new account's page: its heading, handle and name, and Sign out.
    assert path_of(driver) == "/welcome", driver.current_url
    assert driver.find_element(By.TAG_NAME, "h1").text == "Welcome, Rowan Reader"
    assert "How to ask" in main_text(driver) and "Who the mentors are" in main_text(driver), main_text(driver)
    if driver.javascript_enabled:
        result = run_axe(driver)
        assert not result.get("violations"), describe_violations(result["violations"])
    driver.get(driver.current_url.rsplit("/", 1)[0] + "/account")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Your account"
    assert f"Signed in as {handle}" in main_text(driver), main_text(driver)
    assert "Rowan Reader" in driver.find_element(By.CSS_SELECTOR, ".site-header").text
    assert signed_in_header(driver)
    sign_out(driver)

    # Signing in again later is the ordinary sign-in page: no banner.
    driver.get(server.url("/sign-in"))
    assert not driver.find_elements(By.CSS_SELECTOR, ".notification-banner")
    sign_in(driver, handle, "walnut ferry lantern")
    sign_out(driver)


def test_sign_in_returns_to_the_page_it_was_asked_from(driver, server):
    """From a thread, the header's Sign in comes back to that thread once signed in."""
    path = thread_path(server)
    driver.get(server.url(path))
    link = driver.find_element(By.CSS_SELECTOR, ".site-header a[href^='/sign-in']")
    link.click()
    WebDriverWait(driver, 15).until(staleness_of(link))
    assert path_of(driver).startswith("/sign-in?next="), driver.current_url
    handle, password = server.accounts["member"]
    driver.find_element(By.ID, "identifier").send_keys(handle)
    driver.find_element(By.ID, "password").send_keys(password)
    submit_and_wait(driver)
    assert path_of(driver) == path, (driver.current_url, path)
    assert signed_in_header(driver)
    sign_out(driver)


def test_register_shows_errors_in_a_summary(driver, server):
    link = server.cli("invite", "--role", "member", "--base-url", server.base_url).strip().splitlines()[-1]
    driver.get(link)
    driver.find_element(By.ID, "handle").send_keys("X")
    submit_and_wait(driver)
    assert driver.title.startswith("Error: ")
    summary = driver.find_element(By.CSS_SELECTOR, ".error-summary")
    assert "There is a problem" in summary.text
    # Each summary entry links to its field.
    for anchor in summary.find_elements(By.TAG_NAME, "a"):
        target = anchor.get_attribute("href").split("#", 1)[1]
        assert driver.find_elements(By.ID, target), f"summary links to missing #{target}"


def test_sign_in_and_out(driver, server):
    handle, password = server.accounts["member"]
    sign_in(driver, handle, password)
    driver.get(server.url("/account"))
    assert driver.find_element(By.TAG_NAME, "h1").text
    assert "/sign-in" not in driver.current_url
    sign_out(driver)
    assert driver.find_element(By.TAG_NAME, "h1").text == "Sign in"


def test_wrong_password_is_refused(driver, server):
    handle, _ = server.accounts["member"]
    driver.get(server.url("/sign-in"))
    driver.find_element(By.ID, "identifier").send_keys(handle)
    driver.find_element(By.ID, "password").send_keys("not the password at all")
    submit_and_wait(driver)
    assert driver.find_elements(By.CSS_SELECTOR, ".error-summary")
    assert not driver.find_elements(By.CSS_SELECTOR, "form[action='/sign-out'] button")


def test_browse_home_topic_thread(driver, server):
    driver.get(server.url("/"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Mutuals Network"
    topic_link = driver.find_element(By.CSS_SELECTOR, f"main a[href='{topic_path(server)}']")
    topic_name = topic_link.text
    topic_link.click()
    assert driver.find_element(By.TAG_NAME, "h1").text.strip() == topic_name
    threads = driver.find_elements(By.CSS_SELECTOR, "main .thread-list__title a[href^='/t/']")
    assert threads, "the topic lists no threads"
    title = threads[0].text
    threads[0].click()
    assert re.search(r"/t/\d+", driver.current_url)
    assert title in driver.find_element(By.TAG_NAME, "h1").text
    assert driver.find_elements(By.CSS_SELECTOR, "main article") or main_text(driver)


def test_read_the_briefing(driver, server):
    driver.get(server.url("/"))
    driver.find_element(By.CSS_SELECTOR, "header a[href='/briefing']").click()
    assert driver.current_url.endswith("/briefing")
    assert "briefing" in driver.find_element(By.TAG_NAME, "h1").text.lower()
    assert len(main_text(driver)) > 200


def test_accessibility_statement_from_footer(driver, server):
    driver.get(server.url("/"))
    driver.find_element(By.CSS_SELECTOR, "footer a[href='/accessibility']").click()
    assert driver.find_element(By.TAG_NAME, "h1").text == "Accessibility statement"
    assert "WCAG" in main_text(driver)
