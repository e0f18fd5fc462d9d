"""Admin pages with several forms, with JavaScript on and off: a refused one comes back where it
was typed, and an admin asking a mentor is offered what an admin can do:

- /admin/topics: an edit of an existing topic keeps the typed name and description on that
  topic's form, its error beside the field, the summary's link landing on it, and the form for a
  new topic empty;
- /admin/threads/N: a refused slow mode keeps the minutes and the reason typed;
- an admin on a thread's "Ask a mentor" page is shown where to find a mentor.

Nothing is changed: the shared demo network stays as it was."""
from __future__ import annotations

from selenium.webdriver.common.by import By

from axe_support import axe_clean
from conftest import sign_in, sign_out, submit_and_wait


def test_a_refused_topic_edit_comes_back_on_its_own_form(driver, server):
    sign_in(driver, *server.accounts["admin"])
    driver.get(server.url("/admin/topics"))
    forms = driver.find_elements(By.CSS_SELECTOR, "main form[action^='/admin/topics/']")
    action = forms[1].get_attribute("action").split("/admin/topics/")[1]
    topic_form = f"form[action='/admin/topics/{action}']"
    name = driver.find_element(By.CSS_SELECTOR, f"{topic_form} input[name=name]")
    name.clear()
    description = driver.find_element(By.CSS_SELECTOR, f"{topic_form} textarea[name=description]")
    description.clear()
    description.send_keys("Words the admin typed and must not lose")
    submit_and_wait(driver, f"{topic_form} button[value=save]")

    assert driver.title.startswith("Error: Topics"), driver.title
    link = driver.find_element(By.CSS_SELECTOR, ".error-summary a")
    assert link.get_attribute("href").endswith(f"#name-{action}"), link.get_attribute("href")
    field = driver.find_element(By.ID, f"name-{action}")
    assert field.get_attribute("value") == ""
    assert field.get_attribute("aria-describedby") == f"name-{action}-error"
    assert driver.find_element(By.ID, f"name-{action}-error").text.strip()
    assert driver.find_element(By.ID, f"description-{action}").get_attribute("value") == "Words the admin typed and must not lose"
    new_form = "form[action='/admin/topics']"
    assert driver.find_element(By.CSS_SELECTOR, f"{new_form} textarea[name=description]").get_attribute("value") == ""
    assert not driver.find_elements(By.CSS_SELECTOR, f"{new_form} .error-message")
    axe_clean(driver)
    sign_out(driver)


def test_a_refused_slow_mode_keeps_what_was_typed(driver, server):
    sign_in(driver, *server.accounts["admin"])
    driver.get(server.url("/"))
    thread_id = driver.find_element(By.CSS_SELECTOR, "main .thread-list__item h3 a").get_attribute("href").split("/t/")[1].split("-")[0]
    driver.get(server.url(f"/admin/threads/{thread_id}"))
    minutes = driver.find_element(By.ID, "minutes")
    minutes.clear()
    minutes.send_keys("ten")
    driver.find_element(By.ID, "slow-reason").send_keys("Replies are getting heated")
    submit_and_wait(driver, f"form[action='/admin/threads/{thread_id}/slow-mode'] button[type=submit]")

    assert driver.title.startswith("Error: Manage thread"), driver.title
    assert driver.find_element(By.ID, "minutes").get_attribute("value") == "ten"
    assert driver.find_element(By.ID, "slow-reason").get_attribute("value") == "Replies are getting heated"
    assert driver.find_element(By.ID, "rename-reason").get_attribute("value") == ""
    axe_clean(driver)
    sign_out(driver)


def test_an_admin_asking_a_mentor_is_shown_the_mentors_page(driver, server):
    """An admin on a thread's "Ask a mentor" page (where a member's request to the admins leads)
    is shown where to find a mentor, not a form asking the admins."""
    sign_in(driver, *server.accounts["admin"])
    driver.get(server.url("/"))
    thread_id = driver.find_element(By.CSS_SELECTOR, "main .thread-list__item h3 a").get_attribute("href").split("/t/")[1].split("-")[0]
    driver.get(server.url(f"/t/{thread_id}/mentors"))
    assert driver.find_element(By.ID, "find-mentor").text == "Find a mentor as an admin"
    assert driver.find_elements(By.CSS_SELECTOR, "main a[href^='/admin/mentors']")
    assert not driver.find_elements(By.CSS_SELECTOR, f"form[action='/t/{thread_id}/mentors/admins']")
    axe_clean(driver)
    sign_out(driver)
