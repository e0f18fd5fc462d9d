"""Issue 18: the word after an action is for the person who acted. A notice link opened by
another member or by a visitor shows no banner; a visitor sent to sign in is told why and comes
back; the admin thread tools end on a word. JavaScript on and off; axe on every banner."""
from __future__ import annotations

import uuid

from selenium.webdriver.common.by import By

from axe_support import describe_violations, run_axe
from conftest import sign_in, sign_out, submit_and_wait
from test_journeys_board import ask_question, main_text, reply


def banners(driver) -> list[str]:
    return [b.text for b in driver.find_elements(By.CSS_SELECTOR, "main .notification-banner")]


def assert_axe_clean(driver, what: str):
    if not driver.javascript_enabled:
        return
    result = run_axe(driver)
    assert "error" not in result, result
    assert not result["violations"], f"axe on {what} ({driver.current_url}):\n{describe_violations(result['violations'])}"


def test_a_notice_link_says_nothing_to_anyone_else(driver, server):
    sign_in(driver, *server.accounts["member"])
    path, _, _ = ask_question(driver, server)
    answer = f"We split the rota by site {uuid.uuid4().hex[:6]}."
    reply(driver, server, path, answer)
    assert "notice=reply-posted." in driver.current_url, driver.current_url
    assert any("Reply posted." in text for text in banners(driver)), main_text(driver)
    assert answer in main_text(driver)
    assert_axe_clean(driver, "thread after a reply")
    link = driver.current_url
    sign_out(driver)

    driver.get(link)
    assert answer in main_text(driver)
    assert not banners(driver), f"a visitor sees {banners(driver)}"

    sign_in(driver, *server.accounts["mentor"])
    driver.get(link)
    assert answer in main_text(driver)
    assert not banners(driver), f"another member sees {banners(driver)}"
    sign_out(driver)


def test_a_visitor_sent_to_sign_in_is_told_why_and_comes_back(driver, server):
    driver.delete_all_cookies()
    driver.get(server.url("/saved"))
    assert "/sign-in?next=%2Fsaved" in driver.current_url, driver.current_url
    found = driver.find_elements(By.CSS_SELECTOR, "main .notification-banner")
    assert found and "Sign in to see your saved posts." in found[0].text, main_text(driver)
    assert "Important" in found[0].text
    assert_axe_clean(driver, "sign-in page saying why")
    handle, password = server.accounts["member"]
    driver.find_element(By.ID, "identifier").send_keys(handle)
    driver.find_element(By.ID, "password").send_keys(password)
    submit_and_wait(driver)
    assert driver.current_url.split("/", 3)[3] == "saved", driver.current_url
    sign_out(driver)

    driver.delete_all_cookies()
    driver.get(server.url("/admin/outbox"))
    assert "/sign-in?next=%2Fadmin%2Foutbox" in driver.current_url, driver.current_url
    assert any("Sign in as an admin" in text for text in banners(driver)), main_text(driver)


def test_admin_thread_tools_end_with_a_word(driver, server):
    sign_in(driver, *server.accounts["member"])
    path, _, _ = ask_question(driver, server)
    sign_out(driver)
    sign_in(driver, *server.accounts["admin"])
    thread_id = path.split("/")[2].split("-")[0]
    driver.get(server.url(f"/admin/threads/{thread_id}"))
    submit_and_wait(driver, "button[name=change][value=lock]")
    assert f"/admin/threads/{thread_id}?notice=locked." in driver.current_url, driver.current_url
    assert any("Thread locked. Members can no longer reply." in text for text in banners(driver)), main_text(driver)
    assert_axe_clean(driver, "admin thread page after locking")
    submit_and_wait(driver, "button[name=change][value=unlock]")
    assert any("Thread unlocked." in text for text in banners(driver)), main_text(driver)
    sign_out(driver)


def test_pages_after_an_action_pass_axe_and_html5(js_driver, server):
    """The banners after saving the account and the notification settings, reached by acting
    (a notice link works only for the browser that acted), pass axe and parse as HTML5."""
    from axe_support import html5_errors
    from conftest import fetch

    sign_in(js_driver, *server.accounts["member"])
    for page, form, words in [("/account", "main form[action='/account'] button[type=submit]", "Your changes have been saved."),
                              ("/account/notifications", "main form[action='/account/notifications'] button[type=submit]",
                               "Settings saved")]:
        js_driver.get(server.url(page))
        submit_and_wait(js_driver, form)
        assert "notice=" in js_driver.current_url, js_driver.current_url
        assert any(words in text for text in banners(js_driver)), main_text(js_driver)
        assert_axe_clean(js_driver, f"{page} after saving")
        cookies = "; ".join(f"{c['name']}={c['value']}" for c in js_driver.get_cookies())
        status, _, body = fetch(js_driver.current_url, {"Cookie": cookies})
        assert status == 200, status
        assert b'class="notification-banner' in body, f"{page}: no banner for the same browser"
        errors = html5_errors(body)
        assert not errors, f"{page}: {errors}"
    sign_out(js_driver)
