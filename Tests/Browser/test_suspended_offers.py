"""A suspended member meets no dead-end buttons (issue 18), with JavaScript on and off.

The member asks a question while active (so their own thread offers them Edit, Delete, Ask a
mentor, Change the title), is then suspended, and walks the pages that offer actions: home,
welcome, a topic, their own thread and someone else's. Where the actions were, one line says
why they are gone, with the reason; nothing offered answers 403. Following and saving stay:
they are reading aids, and using one ends on a page with a word. The suspension is lifted
afterwards (the server is shared)."""
from __future__ import annotations

import os
import sqlite3
import time

from selenium.webdriver.common.by import By

from conftest import sign_in, sign_out, submit_and_wait
from pages import thread_path, topic_path
from test_journeys_board import ask_question, main_text
from test_journeys_words import assert_axe_clean, banner

REASON = "Repeated off-topic posts"


def set_suspension(server, handle: str, suspended: bool):
    """Admin set-up, not the journey (the admin side is test_admin_users.py): the suspension as
    the admin users page writes it."""
    until = int((time.time() + 86_400) * 1000) if suspended else None
    reason = REASON if suspended else None
    with sqlite3.connect(os.path.join(server.data_dir, "mutuals.sqlite3"), timeout=10) as db:
        db.execute("UPDATE users SET suspended_until = ?, suspension_reason = ? WHERE handle = ?", (until, reason, handle))


def no_elements(driver, selector: str, what: str):
    found = driver.find_elements(By.CSS_SELECTOR, selector)
    assert not found, f"{what} offered on {driver.current_url}: {[e.text for e in found]}"


def assert_told(driver, element_id: str):
    line = driver.find_element(By.ID, element_id).text
    assert "Your account is suspended until" in line, line
    assert f"Reason: {REASON}." in line, line


def test_suspended_member_sees_why_instead_of_actions_that_would_fail(driver, server):
    handle, password = server.accounts["member"]
    sign_in(driver, handle, password)
    own_path, own_title, _ = ask_question(driver, server, "suspended")
    # Active, the member's own thread offers them its tools.
    assert driver.find_elements(By.CSS_SELECTOR, "section.thread-mentors a[href$='/mentors']")
    assert driver.find_elements(By.CSS_SELECTOR, "a[href$='/edit']")
    set_suspension(server, handle, True)
    try:
        driver.get(server.url("/"))
        no_elements(driver, "main a[href='/t/new']", "Start a thread")
        assert_told(driver, "start-thread-refusal")
        assert_axe_clean(driver, "home while suspended")

        driver.get(server.url("/welcome"))
        no_elements(driver, "main a[href^='/t/new']", "Ask a question")
        assert_told(driver, "start-thread-refusal")

        driver.get(server.url(topic_path(server)))
        no_elements(driver, "main a[href^='/t/new']", "Ask in this topic")
        assert_told(driver, "start-thread-refusal")

        # Their own thread: no Reply, Edit, Delete, Ask a mentor, title change or answer marking.
        driver.get(server.url(own_path))
        assert driver.find_element(By.TAG_NAME, "h1").text == own_title
        assert_told(driver, "suspension-notice")
        no_elements(driver, "form[action$='/reply']", "Reply")
        no_elements(driver, "a[href$='/edit'], a[href$='/delete']", "Edit or Delete")
        no_elements(driver, "section.thread-mentors a[href$='/mentors']", "Ask a mentor")
        no_elements(driver, "a[href$='/details']", "Change the title")
        assert "You cannot reply while your account is suspended." in main_text(driver)
        assert_axe_clean(driver, "own thread while suspended")

        # Someone else's thread: no Flag, This helped, Quote or Mark as the answer; Save stays and works.
        driver.get(server.url(thread_path(server)))
        assert_told(driver, "suspension-notice")
        no_elements(driver, "a[href*='/flag']", "Flag")
        no_elements(driver, "button[formaction$='/helped']", "This helped")
        no_elements(driver, "form[action$='/accept']", "Mark as the answer")
        no_elements(driver, "a[href*='quote=']", "Quote")
        no_elements(driver, "form[action$='/reply']", "Reply")
        # Save submits the page's one form of post actions (its token) to the post's address.
        saves = driver.find_elements(By.CSS_SELECTOR, "button[form=post-actions][formaction$='/bookmark'][value=save]")
        assert saves, "Save is a reading aid and stays"
        post_id = saves[0].get_attribute("formaction").split("/")[-2]
        submit_and_wait(driver, f"button[form=post-actions][formaction$='/p/{post_id}/bookmark']")
        assert "saved" in banner(driver).lower(), banner(driver)
        assert f"#post-{post_id}" in driver.current_url, driver.current_url
        submit_and_wait(driver, f"button[form=post-actions][formaction$='/p/{post_id}/bookmark']")  # put back
        assert_axe_clean(driver, "someone else's thread while suspended")
    finally:
        set_suspension(server, handle, False)
    # Lifted: the actions come back.
    driver.get(server.url(own_path))
    assert driver.find_elements(By.CSS_SELECTOR, "form[action$='/reply']")
    assert not driver.find_elements(By.ID, "suspension-notice")
    sign_out(driver)
