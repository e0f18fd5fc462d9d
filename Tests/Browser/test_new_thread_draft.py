"""A new thread's draft, with JavaScript on and off: "Discard draft" is a plain form button, so a
person without JavaScript can drop their draft too; they stay on "Start a thread", told, with an
empty form; axe clean. Nothing is left behind (the demo network is shared)."""
from __future__ import annotations

import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from axe_support import axe_clean
from conftest import sign_in, sign_out, submit_and_wait


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


def test_a_draft_keeps_its_private_space_and_briefing_item(driver, server):
    sign_in(driver, *server.accounts["admin"])
    driver.get(server.url("/briefing"))
    about = driver.find_elements(By.CSS_SELECTOR, "main a[href*='/t/new?briefing=']")
    assert about, "no 'start a thread about this item' link on /briefing"
    driver.get(about[0].get_attribute("href"))
    item = driver.find_element(By.CSS_SELECTOR, "input[name=briefing]").get_attribute("value")
    item_title = driver.find_element(By.XPATH, "//p[contains(., 'About the briefing item')]/strong").text
    spaces = driver.find_elements(By.CSS_SELECTOR, "#space input[name=space]:not([value=public])")
    assert spaces, "an admin may post in every private space"
    space = spaces[0].get_attribute("value")
    spaces[0].click()
    title = f"About the item {uuid.uuid4().hex[:6]}"
    driver.find_element(By.ID, "title").send_keys(title)
    driver.find_element(By.ID, "body").send_keys("Half a question about this item.")
    if driver.javascript_enabled:
        WebDriverWait(driver, 15).until(lambda d: "Draft saved at" in d.find_element(By.ID, "draft-status").text)
    else:
        submit_and_wait(driver, "main form button[name=action][value=preview]")

    driver.get(server.url("/"))
    driver.get(server.url("/t/new"))
    assert driver.find_element(By.ID, "title").get_attribute("value") == title
    assert driver.find_element(By.CSS_SELECTOR, "#space input[name=space]:checked").get_attribute("value") == space
    assert driver.find_element(By.CSS_SELECTOR, "input[name=briefing]").get_attribute("value") == item
    assert f"About the briefing item {item_title}" in driver.find_element(By.TAG_NAME, "main").text
    axe_clean(driver)

    submit_and_wait(driver, "main form button[name=action][value=discard]")
    assert driver.find_element(By.CSS_SELECTOR, "#space input[name=space]:checked").get_attribute("value") == "public"
    sign_out(driver)
