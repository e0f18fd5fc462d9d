"""An admin hides a post from the thread page, with JavaScript on and off: "Hide" opens a reason
field under the post; an empty reason comes back on the Hide page, linked to its field; with a
reason the admin lands back at the same post, told, with the reason in its place; axe clean.
The post is restored at the end (the demo network is shared)."""
from __future__ import annotations

import uuid

from selenium.webdriver.common.by import By

from axe_support import axe_clean
from conftest import sign_in, sign_out, submit_and_wait
from pages import thread_path


def test_an_admin_hides_a_post_from_the_thread_page(driver, server):
    path = thread_path(server)
    sign_in(driver, *server.accounts["admin"])
    driver.get(server.url(path))
    control = driver.find_elements(By.CSS_SELECTOR, "details.post__hide")[-1]
    post = control.find_element(By.XPATH, "./ancestor::li[contains(@class, 'post')]")
    post_id = post.get_attribute("id")
    axe_clean(driver)
    control.find_element(By.TAG_NAME, "summary").click()
    action = control.find_element(By.TAG_NAME, "form").get_attribute("action").replace(server.base_url, "")

    # No reason: the Hide page says so, linked to its field.
    submit_and_wait(driver, f"#{post_id} details.post__hide button[type=submit]")
    summary = driver.find_element(By.CSS_SELECTOR, ".error-summary")
    assert "Enter a reason" in summary.text or "reason" in summary.text.lower(), summary.text
    assert summary.find_element(By.TAG_NAME, "a").get_attribute("href").endswith("#reason")
    axe_clean(driver)

    reason = f"Names a colleague {uuid.uuid4().hex[:6]}"
    driver.find_element(By.ID, "reason").send_keys(reason)
    submit_and_wait(driver, f"main form[action='{action}'] button[type=submit]")
    assert driver.current_url.endswith(f"#{post_id}"), driver.current_url
    post = driver.find_element(By.ID, post_id)
    assert "Post hidden. Readers see the reason in its place" in post.text
    assert f"This post was hidden by a moderator: {reason}" in post.text
    assert not post.find_elements(By.CSS_SELECTOR, "details.post__hide")
    axe_clean(driver)

    # Put the network back: Restore, from the same post.
    submit_and_wait(driver, f"#{post_id} form.post__restore button[type=submit]")
    assert "Post restored" in driver.find_element(By.ID, post_id).text
    sign_out(driver)


def test_the_hide_field_is_reached_by_keyboard(js_driver, server):
    driver = js_driver
    sign_in(driver, *server.accounts["admin"])
    driver.get(server.url(thread_path(server)))
    control = driver.find_elements(By.CSS_SELECTOR, "details.post__hide")[-1]
    summary = control.find_element(By.TAG_NAME, "summary")
    driver.execute_script("arguments[0].focus()", summary)
    summary.send_keys("\n")
    field = control.find_element(By.CSS_SELECTOR, "input[name=reason]")
    assert field.is_displayed()
    label = control.find_element(By.CSS_SELECTOR, f"label[for='{field.get_attribute('id')}']")
    assert "Reason" in label.text
    sign_out(driver)
