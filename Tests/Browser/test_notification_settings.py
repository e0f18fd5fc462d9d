"""Notification settings (issue 15 and issue 18 item 15): every box sits beside its label, the
one form keeps every choice and says it saved them, and the weekly briefing page opens from it.
JavaScript on and off; axe on the saved page."""
from __future__ import annotations

from selenium.webdriver.common.by import By

from axe_support import describe_violations, run_axe
from conftest import sign_in, submit_and_wait


def beside(driver, input_id: str) -> None:
    box = driver.find_element(By.ID, input_id)
    label = driver.find_element(By.CSS_SELECTOR, f"label[for='{input_id}']")
    b, l = box.rect, label.rect
    assert l["x"] >= b["x"] + b["width"], f"label of {input_id} is not to the right of its box: {b} {l}"
    # On one line: the label starts level with the box, not below it.
    assert abs(l["y"] - b["y"]) < b["height"], f"label of {input_id} is not beside its box: {b} {l}"


def test_email_choices_are_kept_and_confirmed(driver, server, request):
    javascript = request.node.callspec.params["driver"] == "js"  # axe needs JavaScript
    sign_in(driver, *server.accounts["member"])
    for width in (1280, 375):
        driver.set_window_size(width, 900)
        driver.get(server.url("/account/notifications"))
        for input_id in ("kind-reply", "email-reply-immediately", "email-reply-daily", "weekly-briefing"):
            beside(driver, input_id)
    driver.set_window_size(1280, 900)
    driver.find_element(By.ID, "email-reply-daily").click()
    driver.find_element(By.ID, "email-mention-never").click()
    weekly = driver.find_element(By.ID, "weekly-briefing")
    if weekly.is_selected():
        weekly.click()
    submit_and_wait(driver, "main form button[type=submit]")
    assert "/account/notifications?notice=notification-settings-saved." in driver.current_url, driver.current_url
    banner = driver.find_element(By.CSS_SELECTOR, ".notification-banner").text
    assert "Settings saved" in banner
    assert driver.find_element(By.ID, "email-reply-daily").is_selected()
    assert driver.find_element(By.ID, "email-mention-never").is_selected()
    assert driver.find_element(By.ID, "email-reply-immediately").is_selected() is False
    assert not driver.find_element(By.ID, "weekly-briefing").is_selected()
    if javascript:
        result = run_axe(driver)
        assert "error" not in result, result
        assert not result["violations"], describe_violations(result["violations"])

    # Put the choices back for the other runs, and follow the link to the weekly briefing.
    driver.find_element(By.ID, "email-reply-immediately").click()
    driver.find_element(By.ID, "email-mention-immediately").click()
    driver.find_element(By.ID, "weekly-briefing").click()
    submit_and_wait(driver, "main form button[type=submit]")
    assert driver.find_element(By.ID, "weekly-briefing").is_selected()
    driver.find_element(By.LINK_TEXT, "read the weekly briefing on the site").click()
    assert "/briefing/weekly/" in driver.current_url
    assert driver.find_element(By.TAG_NAME, "h1").text.startswith("Weekly briefing")
    if javascript:
        result = run_axe(driver)
        assert not result["violations"], describe_violations(result["violations"])
