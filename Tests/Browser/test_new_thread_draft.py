"""A new thread's draft, with JavaScript on and off: "Discard draft" is a plain form button, so a
person without JavaScript can drop their draft too; they stay on "Start a thread", told, with an
empty form; axe clean. Nothing is left behind (the demo network is shared)."""
from __future__ import annotations

import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from axe_support import describe_violations, run_axe
from conftest import sign_in, sign_out, submit_and_wait


def axe_clean(driver):
    if driver.javascript_enabled:
        result = run_axe(driver)
        assert "error" not in result, result
        assert not result["violations"], describe_violations(result["violations"])


def keep_a_draft(driver, server, title: str):
    driver.get(server.url("/t/new"))
    driver.find_element(By.ID, "title").send_keys(title)
    driver.find_element(By.ID, "body").send_keys("Half a question about pensions.")
    if driver.javascript_enabled:
        WebDriverWait(driver, 15).until(lambda d: "Draft saved at" in d.find_element(By.ID, "draft-status").text)
    else:
        submit_and_wait(driver, "main form button[name=action][value=preview]")


def test_discard_draft_works_without_javascript(driver, server):
    sign_in(driver, *server.accounts["mentor"])
    driver.get(server.url("/t/new"))
    assert not driver.find_elements(By.CSS_SELECTOR, "button[value=discard]")
    title = f"Discarded later {uuid.uuid4().hex[:6]}"
    keep_a_draft(driver, server, title)
    driver.get(server.url("/t/new"))
    assert driver.find_element(By.ID, "title").get_attribute("value") == title
    axe_clean(driver)

    submit_and_wait(driver, "main form button[name=action][value=discard]")
    assert "/t/new" in driver.current_url
    banner = driver.find_element(By.CSS_SELECTOR, "main .notification-banner--success")
    assert "Your draft has been discarded." in banner.text
    assert driver.find_element(By.ID, "title").get_attribute("value") == ""
    assert driver.find_element(By.ID, "body").get_attribute("value") == ""
    assert not driver.find_elements(By.CSS_SELECTOR, "button[value=discard]")
    axe_clean(driver)
    driver.get(server.url("/t/new"))
    assert driver.find_element(By.ID, "title").get_attribute("value") == ""
    sign_out(driver)
