"""Issue 18 journeys (items 1, 2, 6, 12, 14 and 15's smaller ones), each with JavaScript on and
off: a word after every action, in a GOV.UK success banner that passes axe, and the person back
where they were; nobody left at a dead end. The server is shared, so each journey leaves the demo
as it found it (settings switched back, Sam Okafor back in his pathfinder)."""
from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from axe_support import describe_violations, run_axe
from conftest import REPO, sign_in, sign_out, submit_and_wait
from test_journeys_board import ask_question, main_text


def banner(driver) -> str:
    found = driver.find_elements(By.CSS_SELECTOR, "main .notification-banner--success")
    assert found, f"no success notice on {driver.current_url}:\n{main_text(driver)}"
    return found[0].text


def assert_axe_clean(driver, what: str):
    if not driver.javascript_enabled:
        return
    result = run_axe(driver)
    assert "error" not in result, result
    assert not result["violations"], f"axe on {what} ({driver.current_url}):\n{describe_violations(result['violations'])}"


def path_of(driver) -> str:
    return "/" + driver.current_url.split("/", 3)[3]


def set_setting(server, key: str, value: str):
    """Admin set-up, not the journey: the instance setting written as the settings page would."""
    with sqlite3.connect(os.path.join(server.data_dir, "mutuals.sqlite3"), timeout=10) as db:
        db.execute("INSERT INTO settings(key, value, updated_at) VALUES (?, ?, 0) "
                   "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))


def add_member(server, handle: str, password: str):
    result = subprocess.run([server.binary, "user", "add", "--handle", handle, "--email", f"{handle}@example.org",
                             "--name", "New Pathfinder", "--data", server.data_dir],
                            cwd=REPO, input=password + "\n", capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr


def test_sign_out_and_save_a_mentor_profile_say_so(driver, server):
    sign_in(driver, *server.accounts["mentor"])
    driver.get(server.url("/account"))
    driver.find_element(By.LINK_TEXT, "Edit your mentor profile").click()
    assert driver.find_element(By.TAG_NAME, "h1").text
    submit_and_wait(driver)
    assert re.search(r"/mentors/[a-z_]+\?notice=profile-saved\.[0-9]+\.[A-Za-z0-9_-]+$", driver.current_url), driver.current_url
    assert "Your mentor profile has been saved." in banner(driver)
    assert_axe_clean(driver, "mentor profile saved")
    sign_out(driver)
    driver.get(server.url("/"))
    sign_in(driver, *server.accounts["member"])
    driver.get(server.url("/"))
    submit_and_wait(driver, "form[action='/sign-out'] button")
    assert path_of(driver).startswith("/?notice=signed-out."), driver.current_url
    assert "You have signed out." in banner(driver)
    assert driver.find_elements(By.LINK_TEXT, "Sign in")
    assert_axe_clean(driver, "signed out")


def test_held_first_post_warns_tells_the_admins_and_the_author(driver, server):
    handle = "newbie_" + uuid.uuid4().hex[:8]
    password = "a long pass phrase " + uuid.uuid4().hex
    add_member(server, handle, password)
    set_setting(server, "hold_first_posts_of_new_members", "1")
    try:
        sign_in(driver, handle, password)
        driver.get(server.url("/t/new"))
        warning = driver.find_element(By.ID, "post-waits").text
        assert "an admin checks your first post before others can see it" in warning, warning
        assert_axe_clean(driver, "new thread form with the held warning")
        path, title, _ = ask_question(driver, server)
        assert "notice=post-waits." in driver.current_url, driver.current_url
        assert "the admins have been told" in banner(driver)
        assert_axe_clean(driver, "held post notice")
        sign_out(driver)

        sign_in(driver, *server.accounts["admin"])
        driver.get(server.url("/"))
        count = driver.find_element(By.ID, "moderation-count").text
        assert int(count.split()[0]) >= 1, count
        driver.find_element(By.CSS_SELECTOR, "a.site-nav__link[href='/notifications']").click()
        assert f"post in “{title}” is waiting for approval" in main_text(driver), main_text(driver)
        assert_axe_clean(driver, "notifications with a held post")
        driver.get(server.url("/admin/queue"))
        item = [li for li in driver.find_elements(By.CSS_SELECTOR, "[id^='post-']") if title in li.text]
        assert item, main_text(driver)
        post_id = item[0].get_attribute("id").split("-", 1)[1]
        submit_and_wait(driver, f"#post-{post_id} button[name=decision][value=approve]")
        assert path_of(driver).startswith("/admin/queue?notice=post-approved."), driver.current_url
        assert "Post approved" in banner(driver)
        assert_axe_clean(driver, "queue after approving")
        sign_out(driver)

        sign_in(driver, handle, password)
        driver.get(server.url("/notifications"))
        assert f"Your post in “{title}” was approved" in main_text(driver), main_text(driver)
    finally:
        set_setting(server, "hold_first_posts_of_new_members", "0")


def test_flag_returns_to_the_post_with_a_word(driver, server):
    sign_in(driver, *server.accounts["mentor"])
    path, _, _ = ask_question(driver, server)
    sign_out(driver)
    sign_in(driver, *server.accounts["member"])
    driver.get(server.url(path))
    first = driver.find_elements(By.CSS_SELECTOR, "ol.posts > li.post")[0]
    post_id = first.get_attribute("id").split("-", 1)[1]
    first.find_element(By.CSS_SELECTOR, "a.post-moderation__flag").click()
    driver.find_elements(By.CSS_SELECTOR, "#reason input[type=radio][name=reason]")[0].click()
    submit_and_wait(driver)
    assert path_of(driver).startswith(path.split("?")[0]), driver.current_url
    assert "notice=flagged." in driver.current_url and driver.current_url.endswith(f"#post-{post_id}"), driver.current_url
    assert "Thank you for flagging the post" in banner(driver)
    assert driver.find_element(By.ID, f"post-{post_id}")
    assert_axe_clean(driver, "thread after flagging")
    sign_out(driver)


def test_mentor_declines_with_a_note_and_the_asker_hears(driver, server):
    sign_in(driver, *server.accounts["member"])
    path, title, _ = ask_question(driver, server)
    driver.find_element(By.CSS_SELECTOR, "section.thread-mentors a[href$='/mentors']").click()
    mentor_handle = server.accounts["mentor"][0]
    driver.find_element(By.ID, f"mentor-{mentor_handle}").click()
    submit_and_wait(driver)
    assert "notice=mentors-asked." in driver.current_url, driver.current_url
    assert "Mentors asked" in banner(driver)
    sign_out(driver)

    note = f"Try the Mutuals Information Service first {uuid.uuid4().hex[:6]}"
    sign_in(driver, *server.accounts["mentor"])
    driver.get(server.url("/mentor/queue"))
    assert driver.find_element(By.LINK_TEXT, "Edit your mentor profile")
    waiting = driver.find_element(By.CSS_SELECTOR, "#waiting + ol").text
    assert title in waiting, waiting
    done = driver.find_elements(By.CSS_SELECTOR, "#done ~ ul")
    assert not done or title not in done[0].text
    item = [li for li in driver.find_elements(By.CSS_SELECTOR, "#waiting + ol > li") if title in li.text][0]
    item.find_element(By.PARTIAL_LINK_TEXT, "Decline").click()
    assert driver.find_element(By.TAG_NAME, "h1").text == f"Decline “{title}”"
    assert_axe_clean(driver, "decline page")
    driver.find_element(By.ID, "note").send_keys(note)
    submit_and_wait(driver)
    assert path_of(driver).startswith("/mentor/queue?notice=declined."), driver.current_url
    assert "Declined. The asker has been told." in banner(driver)
    assert title not in main_text(driver)
    assert_axe_clean(driver, "queue after declining")
    sign_out(driver)

    sign_in(driver, *server.accounts["member"])
    driver.get(server.url("/notifications"))
    assert f"declined to mentor “{title}”: “{note}”" in main_text(driver), main_text(driver)
    sign_out(driver)


def test_organisation_change_confirmation_and_asking_the_admins_for_a_mentor(driver, server):
    """Sam moves to a pathfinder no mentor supports: told it is pending, confirmed by an admin
    from their notification, asks a mentor on a private thread, is told why nobody can be asked
    and asks the admins instead. Then Sam goes back to his own pathfinder."""
    member, admin = server.accounts["member"], server.accounts["admin"]

    def move(organisation: str) -> str:
        sign_in(driver, *member)
        driver.get(server.url("/account"))
        select = Select(driver.find_element(By.ID, "organisation"))
        select.select_by_visible_text(organisation)
        submit_and_wait(driver, "form[action='/account'] button[type=submit]")
        pending = driver.find_element(By.ID, "organisation-pending").text
        assert f"Your membership of {organisation} is waiting for an admin to confirm it" in pending, pending
        assert_axe_clean(driver, "account with a pending organisation")
        sign_out(driver)
        sign_in(driver, *admin)
        driver.get(server.url("/notifications"))
        link = [a for a in driver.find_elements(By.CSS_SELECTOR, "main a")
                if f"asked to be confirmed as a member of {organisation}" in a.text][0]
        link.click()
        WebDriverWait(driver, 15).until(lambda d: path_of(d) == "/admin/organisations/members")
        section = [s for s in driver.find_elements(By.CSS_SELECTOR, "section.admin-user") if organisation in s.text][0]
        button = section.find_element(By.CSS_SELECTOR, "button[value=confirm]")
        button.click()
        # Wait on the address, not on the old button: chromedriver can fail a staleness check
        # while the page is being replaced ("Node … does not belong to the document").
        WebDriverWait(driver, 15).until(lambda d: "notice=organisation-confirmed." in d.current_url)
        assert "Membership confirmed" in banner(driver)
        assert_axe_clean(driver, "memberships after confirming")
        sign_out(driver)
        return organisation

    try:
        space = move("Anglian Community Enterprise")
        sign_in(driver, *member)
        driver.get(server.url("/notifications"))
        assert f"An admin confirmed you as a member of {space}" in main_text(driver)
        driver.get(server.url("/t/new"))
        token = uuid.uuid4().hex[:8]
        driver.find_element(By.ID, "title").send_keys(f"Who signs off the shadow budget {token}?")
        driver.find_element(By.ID, "body").send_keys("Nobody in our team is sure.")
        driver.find_elements(By.CSS_SELECTOR, "#topics input[type=checkbox][name=topics]")[1].click()
        private = [r for r in driver.find_elements(By.CSS_SELECTOR, "input[type=radio][name=space]")
                   if r.get_attribute("id") != "space-public"][0]
        private.click()
        submit_and_wait(driver, "main form button[name=action][value=post]")
        driver.find_element(By.CSS_SELECTOR, "section.thread-mentors a[href$='/mentors']").click()
        why = driver.find_element(By.ID, "no-mentors").text
        assert f"this thread is private to {space}, and no mentor supports {space} yet" in why, why
        assert "There are no more mentors to ask" not in main_text(driver)
        assert not driver.find_elements(By.XPATH, "//button[normalize-space()='Ask these mentors']")
        assert_axe_clean(driver, "ask a mentor with nobody to ask")
        submit_and_wait(driver, "form[action$='/mentors/admins'] button[type=submit]")
        assert "notice=admins-asked-for-mentor." in driver.current_url, driver.current_url
        assert "The admins have been asked to link a mentor" in banner(driver)
        sign_out(driver)
        sign_in(driver, *admin)
        driver.get(server.url("/notifications"))
        assert f"asked for a mentor for {space}" in main_text(driver), main_text(driver)
        sign_out(driver)
    finally:
        move("Tri-borough Mutual (working title 3BM)")


def test_mentorship_date_starts_today_and_the_log_speaks_words(driver, server):
    sign_in(driver, *server.accounts["admin"])
    driver.get(server.url("/admin/mentors"))
    started = driver.find_element(By.ID, "started")
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", started.get_attribute("value")), started.get_attribute("value")
    hint = driver.find_element(By.ID, "started-hint").text
    assert "YYYY" not in hint and "Today is filled in" in hint, hint
    sign_out(driver)
    # A setting change in the log (as the settings page records it) reads as words.
    with sqlite3.connect(os.path.join(server.data_dir, "mutuals.sqlite3"), timeout=10) as db:
        admin_id = db.execute("SELECT id FROM users WHERE role = 'admin' ORDER BY id LIMIT 1").fetchone()[0]
        db.execute("INSERT INTO moderation_log(actor_id, action, target_type, target_id, reason, created_at) "
                   "VALUES (?, 'change_setting', 'setting', 0, 'flag_threshold = 3', strftime('%s','now') * 1000)", (admin_id,))
    driver.get(server.url("/moderation"))
    text = main_text(driver)
    assert "Members whose flags hide a post until an admin decides: 3" in text, text[:2000]
    assert "flag_threshold" not in text
    assert_axe_clean(driver, "moderation log")


def test_error_pages_keep_the_signed_in_header(driver, server):
    sign_in(driver, *server.accounts["member"])
    driver.get(server.url("/no-such-page-" + uuid.uuid4().hex[:6]))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Page not found"
    assert driver.find_elements(By.CSS_SELECTOR, "form[action='/sign-out'] button")
    assert not driver.find_elements(By.CSS_SELECTOR, "a.site-nav__link[href='/register']")
    driver.get(server.url("/admin/queue"))
    assert driver.find_elements(By.CSS_SELECTOR, "form[action='/sign-out'] button")
    assert_axe_clean(driver, "403 signed in")
    sign_out(driver)
