"""A new thread's draft keeps its topics (migration 24): ticked, typed and left, "Start a thread"
comes back with the text and the same topics ticked; with JavaScript the draft is kept as the
member types, without it by a preview. The draft is removed at the end (the demo network is
shared)."""
from __future__ import annotations

import os
import sqlite3
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from axe_support import describe_violations, run_axe
from conftest import sign_in, sign_out, submit_and_wait


def ticked(driver) -> list[str]:
    return [box.get_attribute("value") for box in driver.find_elements(By.CSS_SELECTOR, "#topics input[name=topics]:checked")]


def test_a_new_threads_draft_keeps_its_topics(driver, server):
    sign_in(driver, *server.accounts["mentor"])
    driver.get(server.url("/t/new"))
    assert ticked(driver) == []
    title = f"Kept for later {uuid.uuid4().hex[:6]}"
    driver.find_element(By.ID, "title").send_keys(title)
    driver.find_element(By.ID, "body").send_keys("Half a question about pensions.")
    boxes = driver.find_elements(By.CSS_SELECTOR, "#topics input[type=checkbox][name=topics]")
    chosen = [boxes[1].get_attribute("value"), boxes[2].get_attribute("value")]
    boxes[1].click()
    boxes[2].click()
    if driver.javascript_enabled:
        WebDriverWait(driver, 15).until(lambda d: "Draft saved at" in d.find_element(By.ID, "draft-status").text)
    else:
        submit_and_wait(driver, "main form button[name=action][value=preview]")
    driver.get(server.url("/"))
    driver.get(server.url("/t/new"))
    assert driver.find_element(By.ID, "title").get_attribute("value") == title
    assert ticked(driver) == chosen
    if driver.javascript_enabled:
        result = run_axe(driver)
        assert not result["violations"], describe_violations(result["violations"])

    # The draft goes: emptied as the member types with JavaScript; without it (a preview of an
    # empty form keeps nothing, and removes nothing either) from the database.
    if driver.javascript_enabled:
        driver.find_element(By.ID, "title").clear()
        driver.find_element(By.ID, "body").clear()
        WebDriverWait(driver, 15).until(lambda d: "Draft removed." in d.find_element(By.ID, "draft-status").text)
    else:
        with sqlite3.connect(os.path.join(server.data_dir, "mutuals.sqlite3"), timeout=10) as db:
            db.execute("DELETE FROM drafts WHERE thread_id IS NULL AND user_id = (SELECT id FROM users WHERE handle = ?)",
                       (server.accounts["mentor"][0],))
    driver.get(server.url("/t/new"))
    assert driver.find_element(By.ID, "title").get_attribute("value") == ""
    assert ticked(driver) == []
    sign_out(driver)
