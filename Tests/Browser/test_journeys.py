"""Journeys a person takes with the pages that exist now, each with JavaScript on and off."""
from __future__ import annotations

import re
import uuid

from selenium.webdriver.common.by import By

from conftest import sign_in, sign_out, submit_and_wait
from pages import topic_path


def main_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "main").text


def test_register_with_an_invite(driver, server):
    link = server.cli("invite", "--role", "member", "--base-url", server.base_url).strip().splitlines()[-1]
    assert re.match(r"^https://localhost:\d+/register\?invite=\S+$", link), link
    driver.get(link)
    assert driver.find_element(By.TAG_NAME, "h1").text == "Register"
    handle = "reader_" + uuid.uuid4().hex[:8]
    driver.find_element(By.ID, "handle").send_keys(handle)
    driver.find_element(By.ID, "displayName").send_keys("Rowan Reader")
    driver.find_element(By.ID, "email").send_keys(f"{handle}@example.org")
    driver.find_element(By.ID, "password").send_keys("walnut ferry lantern")
    submit_and_wait(driver)
    assert not driver.find_elements(By.CSS_SELECTOR, ".error-summary"), main_text(driver)
    # Registering does not sign in (docs/security.md): the sign-in page says so; sign in.
    assert "Thank you for registering" in main_text(driver)
    driver.find_element(By.ID, "identifier").send_keys(handle)
    driver.find_element(By.ID, "password").send_keys("walnut ferry lantern")
    submit_and_wait(driver)
    # Signed in: the account page's header names the new person and offers Sign out.
    driver.get(server.url("/account"))
    assert "/sign-in" not in driver.current_url
    assert "Rowan Reader" in driver.find_element(By.CSS_SELECTOR, ".site-header").text
    sign_out(driver)
    sign_in(driver, handle, "walnut ferry lantern")
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
