"""Mentor and admin journeys of the review, with JavaScript on and off, as a person walks them:

- an admin starts a mentorship, ends it with a reason typed on the page that asks first, and the
  moderation log shows both in words (it used to leave every mentor action out);
- an admin links a new mentor to a thread, then makes them a member again: the page that asks
  first says they leave the thread, and the thread no longer names them as its mentor;
- the mentors page has the admin pages' links.

Every journey puts the shared demo network back as it found it."""
from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from axe_support import axe_clean
from conftest import sign_in, sign_out, submit_and_wait


def main_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "main").text


def success(driver) -> str:
    found = driver.find_elements(By.CSS_SELECTOR, "main .notification-banner--success")
    assert found, f"no success notice on {driver.current_url}:\n{main_text(driver)}"
    return found[0].text


def mentors_line(driver) -> str:
    """The thread page's line naming the mentors linked to it."""
    return driver.find_element(By.XPATH, "//main//p[contains(., 'Linked to this thread') or contains(., 'No mentor is linked')]").text


def test_a_mentorship_started_and_ended_is_in_the_log_with_its_reason(driver, server):
    sign_in(driver, *server.accounts["admin"])
    driver.get(server.url("/admin/mentors"))
    assert driver.find_element(By.CSS_SELECTOR, "nav.admin-nav a[href='/admin/queue']")
    mentor = server.accounts["mentor"][0]
    Select(driver.find_element(By.ID, "mentor")).select_by_value(mentor)
    organisation = Select(driver.find_element(By.ID, "organisation"))
    organisation.select_by_visible_text("Central Surrey Health")
    driver.find_element(By.ID, "note").send_keys("Monthly calls on the board")
    submit_and_wait(driver, "form[action='/admin/mentorships'] button[type=submit]")
    assert "Mentorship started." in success(driver)

    row = next(r for r in driver.find_elements(By.CSS_SELECTOR, "table tbody tr")
               if "Central Surrey Health" in r.text and r.find_elements(By.CSS_SELECTOR, "a[href$='/end']"))
    row.find_element(By.CSS_SELECTOR, "a[href$='/end']").click()
    assert driver.find_element(By.TAG_NAME, "h1").text.startswith("End the mentorship of ")
    reason = driver.find_element(By.ID, "reason")
    assert driver.find_element(By.CSS_SELECTOR, "label[for='reason']").text == "Reason (optional)"
    axe_clean(driver)
    reason.send_keys("The programme finished")
    submit_and_wait(driver, "main form button[type=submit]")
    assert driver.current_url.split("?")[0].endswith("/admin/mentors")
    assert "Mentorship ended." in success(driver)

    driver.get(server.url("/moderation"))
    text = main_text(driver)
    assert "started the mentorship of Helen Marsh with Central Surrey Health" in text, text[:1500]
    assert "Monthly calls on the board" in text
    assert "ended the mentorship of Helen Marsh with Central Surrey Health" in text
    assert "The programme finished" in text
    axe_clean(driver)
    sign_out(driver)


def test_a_mentor_made_a_member_leaves_the_thread_they_were_linked_to(driver, server):
    member, _ = server.accounts["member"]
    sign_in(driver, *server.accounts["admin"])
    driver.get(server.url("/admin/mentors"))
    driver.find_element(By.ID, "handle").send_keys(member)
    submit_and_wait(driver, "form[action='/admin/mentors/role'] button[type=submit]")
    submit_and_wait(driver, "main form button[type=submit]")
    assert "is now a mentor." in success(driver)
    try:
        # The admin asks the new mentor to a thread someone else started.
        driver.get(server.url("/"))
        threads = [a.get_attribute("href") for a in driver.find_elements(By.CSS_SELECTOR, "main a[href^='/t/']")]
        for href in threads:
            number = href.split("/t/", 1)[1].split("-", 1)[0]
            driver.get(server.url(f"/t/{number}/mentors"))
            if driver.find_elements(By.ID, f"mentor-{member}"):
                break
        else:
            raise AssertionError("no thread to ask the new mentor to")
        ask = driver.current_url
        thread = driver.find_element(By.CSS_SELECTOR, "main a[href^='/t/']").get_attribute("href")
        driver.get(thread)
        before = mentors_line(driver)
        driver.get(ask)
        driver.find_element(By.CSS_SELECTOR, f"label[for='mentor-{member}']").click()
        submit_and_wait(driver, "form[action$='/mentors'] button[type=submit]")
        assert "Mentors asked." in success(driver)
        assert mentors_line(driver) != before

        # Made a member again: the page that asks first says they leave the thread.
        driver.get(server.url("/admin/mentors"))
        driver.find_element(By.ID, "handle").send_keys(member)
        Select(driver.find_element(By.ID, "role")).select_by_visible_text("Member")
        submit_and_wait(driver, "form[action='/admin/mentors/role'] button[type=submit]")
        assert "They will be taken off the thread they were linked to as a mentor." in main_text(driver)
        axe_clean(driver)
        submit_and_wait(driver, "main form button[type=submit]")
        assert "is now a member." in success(driver)

        driver.get(thread)
        assert mentors_line(driver) == before
        driver.get(ask)
        assert not driver.find_elements(By.CSS_SELECTOR, f"main a[href='/mentors/{member}']")
    finally:
        driver.get(server.url("/admin/users?q=" + member))
        if "– mentor" in main_text(driver):
            driver.get(server.url("/admin/mentors"))
            driver.find_element(By.ID, "handle").send_keys(member)
            Select(driver.find_element(By.ID, "role")).select_by_visible_text("Member")
            submit_and_wait(driver, "form[action='/admin/mentors/role'] button[type=submit]")
            submit_and_wait(driver, "main form button[type=submit]")
        sign_out(driver)
