"""Signing out returns the person to the page they signed out from when a visitor may read it (a
public thread, a topic), told, axe clean; from a page only members read (the account page) it
leads home. JavaScript on and off."""
from __future__ import annotations

from urllib.parse import urlsplit

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from axe_support import describe_violations, run_axe
from conftest import sign_in, staleness_of
from pages import thread_path, topic_path


def press_sign_out(driver):
    button = driver.find_element(By.CSS_SELECTOR, "form[action='/sign-out'] button")
    button.click()
    WebDriverWait(driver, 15).until(staleness_of(button))


def landed(driver) -> str:
    return urlsplit(driver.current_url).path


def banner(driver) -> str:
    found = driver.find_elements(By.CSS_SELECTOR, "main .notification-banner--success")
    assert found, f"no success notice on {driver.current_url}"
    return found[0].text


def test_sign_out_returns_to_a_page_a_visitor_may_read(driver, server):
    for path in (thread_path(server), topic_path(server)):
        sign_in(driver, *server.accounts["member"])
        driver.get(server.url(path))
        press_sign_out(driver)
        assert landed(driver) == urlsplit(path).path, driver.current_url
        assert "You have signed out." in banner(driver)
        assert driver.find_elements(By.LINK_TEXT, "Sign in")
        if driver.javascript_enabled:
            result = run_axe(driver)
            assert not result["violations"], describe_violations(result["violations"])

    sign_in(driver, *server.accounts["member"])
    driver.get(server.url("/account"))
    press_sign_out(driver)
    assert landed(driver) == "/", driver.current_url
    assert "You have signed out." in banner(driver)
