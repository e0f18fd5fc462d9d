"""The admin users page (issue 18 item 8), with JavaScript on and off: each role control shows
the current role, suspending and changing a role ask first on a page that says what will
happen, the admin lands back on their search with a success notice, an error-summary link
lands on its field, and only the controls Policy allows are offered. The journey leaves Tom Beckett as it found him (the server is shared)."""
from __future__ import annotations

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from axe_support import describe_violations, run_axe
from conftest import sign_in, sign_out, submit_and_wait

HANDLE = "tom_beckett"


def main_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "main").text


def user_id(driver) -> str:
    for heading in driver.find_elements(By.CSS_SELECTOR, "section.admin-user h2"):
        if heading.text.startswith(f"@{HANDLE} "):
            return heading.get_attribute("id").split("-", 1)[1]
    raise AssertionError(f"no @{HANDLE} on {driver.current_url}:\n{main_text(driver)}")


def banner(driver) -> str:
    found = driver.find_elements(By.CSS_SELECTOR, "main .notification-banner--success")
    assert found, f"no success notice on {driver.current_url}:\n{main_text(driver)}"
    return found[0].text


def assert_on_search(driver):
    assert "/admin/users?q=tom" in driver.current_url, driver.current_url
    assert driver.find_element(By.ID, "q").get_attribute("value") == "tom"


def confirm_page_checks(driver, heading_start: str):
    heading = driver.find_element(By.TAG_NAME, "h1").text
    assert heading.startswith(heading_start), heading
    assert driver.find_element(By.LINK_TEXT, "Cancel").get_attribute("href").endswith("/admin/users?q=tom")
    if driver.javascript_enabled:
        result = run_axe(driver)
        assert "error" not in result, result
        assert not result["violations"], describe_violations(result["violations"])


def change_role(driver, server, uid: str, label: str, role: str, heading_start: str):
    driver.get(server.url("/admin/users?q=tom"))
    Select(driver.find_element(By.ID, f"role-{uid}")).select_by_visible_text(label)
    submit_and_wait(driver, f"form[action^='/admin/users/{uid}/role'] button[type=submit]")
    confirm_page_checks(driver, heading_start)
    submit_and_wait(driver, "main form button[type=submit]")
    assert_on_search(driver)
    assert f"is now a {role}" in banner(driver)
    assert Select(driver.find_element(By.ID, f"role-{uid}")).first_selected_option.text == label


def test_admin_suspends_and_changes_a_role_after_confirming(driver, server):
    sign_in(driver, *server.accounts["admin"])
    driver.get(server.url("/admin/users"))
    # Every role control shows the person's current role. Only what Policy allows is offered:
    # the admin's own row has no controls and says why; other admins cannot be suspended.
    own_handle = server.accounts["admin"][0]
    for section in driver.find_elements(By.CSS_SELECTOR, "section.admin-user"):
        heading = section.find_element(By.TAG_NAME, "h2").text
        role = heading.rsplit("– ", 1)[1]
        if heading.startswith(f"@{own_handle} "):
            assert not section.find_elements(By.TAG_NAME, "form"), section.text
            assert "You cannot do that to your own account." in section.text
            continue
        shown = Select(section.find_element(By.CSS_SELECTOR, "select[name=role]")).first_selected_option
        assert shown.get_attribute("value") == role, section.text
        if role == "admin":
            assert not section.find_elements(By.CSS_SELECTOR, "form[action*='/suspend']"), section.text
            assert "An admin cannot be suspended; change their role first." in section.text
    if driver.javascript_enabled:
        result = run_axe(driver)
        assert "error" not in result, result
        assert not result["violations"], describe_violations(result["violations"])

    driver.get(server.url("/admin/users?q=tom"))
    uid = user_id(driver)
    suspend = f"form[action^='/admin/users/{uid}/suspend'] button[type=submit]"

    # Without a reason: the error links to this person's reason field, and the search stays.
    submit_and_wait(driver, suspend)
    link = driver.find_element(By.CSS_SELECTOR, ".error-summary a")
    assert link.text == "Enter a reason"
    assert link.get_attribute("href").endswith(f"#reason-{uid}")
    assert driver.find_elements(By.ID, f"reason-{uid}")
    assert driver.find_element(By.ID, "q").get_attribute("value") == "tom"

    # With one: a page asks first; Cancel goes back and nothing changed.
    driver.find_element(By.ID, f"reason-{uid}").send_keys("Off-topic posts")
    submit_and_wait(driver, suspend)
    confirm_page_checks(driver, "Suspend Tom Beckett until ")
    assert "They will see the reason: “Off-topic posts”." in main_text(driver)
    driver.find_element(By.LINK_TEXT, "Cancel").click()
    assert_on_search(driver)
    assert "Suspended until" not in main_text(driver)

    # Confirmed: back on the search with a notice; then lifted again.
    driver.find_element(By.ID, f"reason-{uid}").send_keys("Off-topic posts")
    submit_and_wait(driver, suspend)
    submit_and_wait(driver, "main form button[type=submit]")
    assert_on_search(driver)
    assert "Tom Beckett (@tom_beckett) is suspended until" in banner(driver)
    submit_and_wait(driver, f"form[action^='/admin/users/{uid}/lift'] button[type=submit]")
    assert_on_search(driver)
    assert "is no longer suspended" in banner(driver)

    # A role change asks first too, and is put back.
    change_role(driver, server, uid, "Mentor", "mentor", "Change Tom Beckett from member to mentor?")
    change_role(driver, server, uid, "Member", "member", "Change Tom Beckett from mentor to member?")
    sign_out(driver)
