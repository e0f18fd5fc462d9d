"""The mentor directory with no match says where to get a mentor instead, for the reader at
hand: a visitor is sent to sign in, a member to start a thread and ask the admins from its
"Ask a mentor" page, an admin to the admin mentors page. Each link leads there; axe clean.
JavaScript on and off."""
from __future__ import annotations

from selenium.webdriver.common.by import By

from axe_support import axe_clean
from conftest import sign_in, sign_out

NOBODY = "/mentors?topic=no-such-topic"


def advice(driver) -> str:
    found = driver.find_elements(By.ID, "find-a-mentor")
    assert len(found) == 1, f"{len(found)} pieces of advice on {driver.current_url}"
    return found[0].text


def test_no_match_says_where_to_get_a_mentor(driver, server):
    driver.get(server.url(NOBODY))
    assert "No mentors match these filters. Try fewer of them." in driver.find_element(By.TAG_NAME, "main").text
    assert "Members can ask the admins to find them a mentor" in advice(driver)
    axe_clean(driver)

    sign_in(driver, *server.accounts["member"])
    driver.get(server.url(NOBODY))
    assert "You can ask the admins to find you a mentor." in advice(driver)
    axe_clean(driver)
    driver.find_element(By.ID, "find-a-mentor").find_element(By.LINK_TEXT, "Start a thread").click()
    assert driver.find_element(By.TAG_NAME, "h1").text == "Start a thread"
    sign_out(driver)

    sign_in(driver, *server.accounts["admin"])
    driver.get(server.url(NOBODY))
    assert "As an admin" in advice(driver)
    driver.find_element(By.ID, "find-a-mentor").find_element(By.TAG_NAME, "a").click()
    assert "/admin/mentors" in driver.current_url
    sign_out(driver)
