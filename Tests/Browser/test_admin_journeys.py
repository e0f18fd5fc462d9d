"""The admin journeys of issue 18, with JavaScript on and off, as a person walks them:

- a member asks to move organisation; the admins' count rises; an admin declines; the member
  stays in the organisation they had and is told so; the admins' count falls back; a second
  answer from a stale page says who answered, on the memberships page;
- /admin/mentors: an empty handle is refused with a message linked to its field and the typed
  reason kept; a role change asks first and the banner names the person; "End" asks first;
- the moderation queue shows a flagged post as plain text, and "Delete for good" asks first;
- the moderation log says what a thread was renamed from.

Every journey puts the shared demo network back as it found it."""
from __future__ import annotations

import re

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


def unread(driver) -> int:
    found = driver.find_elements(By.ID, "unread-count")
    return int(re.match(r"\d+", found[0].text).group(0)) if found else 0


def choose_organisation(driver, server, label: str):
    driver.get(server.url("/account"))
    Select(driver.find_element(By.ID, "organisation")).select_by_visible_text(label)
    form = driver.find_element(By.ID, "organisation").find_element(By.XPATH, "./ancestor::form")
    submit_and_wait(driver, f"form[action='{form.get_attribute('action').replace(server.base_url, '')}'] button[type=submit]")


def test_a_declined_move_keeps_the_members_organisation(driver, server):
    member, admin = server.accounts["member"], server.accounts["admin"]
    sign_in(driver, *admin)
    driver.get(server.url("/admin/organisations/members"))
    admin_unread = unread(driver)
    sign_out(driver)

    sign_in(driver, *member)
    driver.get(server.url("/account"))
    select = Select(driver.find_element(By.ID, "organisation"))
    had = select.first_selected_option.text
    wanted = next(o.text for o in select.options if o.get_attribute("value") and o.text != had)
    choose_organisation(driver, server, wanted)
    driver.get(server.url("/account"))
    assert "is waiting for an admin to confirm it" in main_text(driver)
    sign_out(driver)

    sign_in(driver, *admin)
    driver.get(server.url("/admin/organisations/members"))
    assert unread(driver) == admin_unread + 1
    section = next(s for s in driver.find_elements(By.CSS_SELECTOR, "section.admin-user") if f"@{member[0]}" in s.text)
    has_organisation = had and not had.startswith("Select") and had != "None"
    if has_organisation:
        assert f"If you do not confirm, they stay a member of {had}." in section.text
    axe_clean(driver)
    uid = section.find_element(By.TAG_NAME, "h2").get_attribute("id").split("-", 1)[1]
    decline = f"form[action='/admin/organisations/members/{uid}'] button[value=decline]"

    # A second admin's tab shows the same request.
    first = driver.current_window_handle
    driver.switch_to.new_window("tab")
    driver.get(server.url("/admin/organisations/members"))
    second = driver.current_window_handle

    driver.switch_to.window(first)
    submit_and_wait(driver, decline)
    assert driver.current_url.split("?")[0].endswith("/admin/organisations/members")
    assert "Request declined." in success(driver)
    if has_organisation:
        assert "remains a member of the organisation they had before" in success(driver)
    assert unread(driver) == admin_unread
    axe_clean(driver)

    # The stale tab answers again: nothing changes, and the page says who answered.
    driver.switch_to.window(second)
    submit_and_wait(driver, decline)
    text = main_text(driver)
    assert "This request was already answered by" in text, text
    assert driver.find_element(By.TAG_NAME, "h1").text == "Memberships to confirm"
    axe_clean(driver)
    driver.close()
    driver.switch_to.window(first)
    sign_out(driver)

    sign_in(driver, *member)
    driver.get(server.url("/notifications"))
    if has_organisation:
        assert f"Your request to move to {wanted} was declined; you remain a member of {had}" in main_text(driver)
    else:
        assert f"Your request to join {wanted} was declined; you have no organisation" in main_text(driver)
    driver.get(server.url("/account"))
    assert Select(driver.find_element(By.ID, "organisation")).first_selected_option.text == had
    assert "is waiting for an admin" not in main_text(driver)
    sign_out(driver)


def test_mentor_admin_asks_first_and_names_the_person(driver, server):
    member = server.accounts["member"][0]
    sign_in(driver, *server.accounts["admin"])
    driver.get(server.url("/admin/mentors"))
    role_button = "form[action='/admin/mentors/role'] button[type=submit]"

    # No handle: the message links to the field; the reason typed stays.
    driver.find_element(By.ID, "reason").send_keys("Bids adviser")
    submit_and_wait(driver, role_button)
    link = driver.find_element(By.CSS_SELECTOR, ".error-summary a")
    assert link.text == "Enter the handle of the person whose role you are changing"
    assert link.get_attribute("href").endswith("#handle")
    assert driver.find_element(By.ID, "handle").is_displayed()
    assert driver.find_element(By.ID, "reason").get_attribute("value") == "Bids adviser"
    axe_clean(driver)

    # A handle: a page asks first, saying who changes from what to what.
    driver.find_element(By.ID, "handle").send_keys(member)
    submit_and_wait(driver, role_button)
    heading = driver.find_element(By.TAG_NAME, "h1").text
    assert heading.startswith("Change ") and heading.endswith(" from member to mentor?"), heading
    name = heading[len("Change "):-len(" from member to mentor?")]
    assert driver.find_element(By.LINK_TEXT, "Cancel").get_attribute("href").endswith("/admin/mentors")
    axe_clean(driver)
    submit_and_wait(driver, "main form button[type=submit]")
    assert driver.current_url.split("?")[0].endswith("/admin/mentors")
    assert f"{name} is now a mentor." in success(driver)
    axe_clean(driver)

    # And back: the confirmation says so, the banner too.
    driver.find_element(By.ID, "handle").send_keys(member)
    Select(driver.find_element(By.ID, "role")).select_by_visible_text("Member")
    submit_and_wait(driver, role_button)
    assert driver.find_element(By.TAG_NAME, "h1").text == f"Change {name} from mentor to member?"
    submit_and_wait(driver, "main form button[type=submit]")
    assert f"{name} is now a member." in success(driver)

    # "End" asks first, naming the pathfinder whose private space the mentor loses; Cancel keeps it.
    driver.find_element(By.CSS_SELECTOR, "a[href^='/admin/mentorships/'][href$='/end']").click()
    heading = driver.find_element(By.TAG_NAME, "h1").text
    assert heading.startswith("End the mentorship of "), heading
    assert "will not be able to read" in main_text(driver)
    axe_clean(driver)
    driver.find_element(By.LINK_TEXT, "Cancel").click()
    assert driver.current_url.endswith("/admin/mentors")
    assert driver.find_elements(By.CSS_SELECTOR, "a[href^='/admin/mentorships/'][href$='/end']")
    sign_out(driver)


def thread_links(driver, server) -> list[str]:
    """The addresses of the threads the home page lists."""
    driver.get(server.url("/"))
    found = [link.get_attribute("href") for link in driver.find_elements(By.CSS_SELECTOR, "main a[href^='/t/']")]
    threads = list(dict.fromkeys(href.split("#")[0].split("?")[0] for href in found if re.search(r"/t/\d+", href)))
    assert threads, main_text(driver)
    return threads


def flag_a_reply(driver, server) -> str:
    """Flags the first reply (not an opening post) the reporter may flag; returns the post id."""
    for thread in thread_links(driver, server):
        driver.get(thread)
        posts = [p.get_attribute("id") for p in driver.find_elements(By.CSS_SELECTOR, "ol.posts > li[id^='post-']")]
        replies = [link.get_attribute("href") for link in driver.find_elements(By.CSS_SELECTOR, "main a[href$='/flag']")
                   if posts and f"/p/{posts[0].split('-')[1]}/" not in link.get_attribute("href")]
        if replies:
            post = replies[0].rstrip("/").split("/")[-2]
            driver.get(replies[0])
            driver.find_element(By.CSS_SELECTOR, "input[name=reason][value=spam]").click()
            submit_and_wait(driver)
            return post
    raise AssertionError("no reply to flag")


def test_delete_for_good_asks_first_and_the_queue_shows_plain_text(driver, server):
    reporter = server.accounts["member" if driver.javascript_enabled else "mentor"]
    sign_in(driver, *reporter)
    post = flag_a_reply(driver, server)
    sign_out(driver)

    sign_in(driver, *server.accounts["admin"])
    driver.get(server.url("/admin/queue"))
    body = driver.find_element(By.CSS_SELECTOR, f"#post-{post} .queue-item__body").text
    assert body and "**" not in body and "](" not in body, body
    delete = f"#post-{post} button[value=delete]"

    # Without a reason: the error links to this post's reason field.
    submit_and_wait(driver, delete)
    link = driver.find_element(By.CSS_SELECTOR, ".error-summary a")
    assert link.get_attribute("href").endswith(f"#reason-{post}")
    assert driver.find_elements(By.ID, f"reason-{post}")

    # With one: a page says what goes; Cancel goes back and the post is still there.
    driver.find_element(By.ID, f"reason-{post}").send_keys("Spam link")
    submit_and_wait(driver, delete)
    heading = driver.find_element(By.TAG_NAME, "h1").text
    assert heading.startswith("Delete this post by ") and heading.endswith(" for good?"), heading
    assert "cannot be brought back" in main_text(driver)
    assert "“Spam link”" in main_text(driver)
    axe_clean(driver)
    driver.find_element(By.LINK_TEXT, "Cancel").click()
    assert driver.find_elements(By.ID, f"post-{post}")

    # Put back: the flag is dismissed.
    submit_and_wait(driver, f"#post-{post} button[value=dismiss]")
    assert "Flags dismissed." in success(driver)
    assert not driver.find_elements(By.ID, f"post-{post}")
    sign_out(driver)


def test_the_log_says_what_a_thread_was_renamed_from(driver, server):
    sign_in(driver, *server.accounts["admin"])
    thread = thread_links(driver, server)[0]
    thread_id = re.search(r"/t/(\d+)", thread).group(1)
    driver.get(server.url(f"/admin/threads/{thread_id}"))
    old = driver.find_element(By.ID, "title").get_attribute("value")
    new = old + " (renamed)"
    for title in (new, old):
        field = driver.find_element(By.ID, "title")
        field.clear()
        field.send_keys(title)
        submit_and_wait(driver, f"form[action='/admin/threads/{thread_id}/rename'] button[type=submit]")
    driver.get(server.url("/moderation"))
    rows = [row.text for row in driver.find_elements(By.CSS_SELECTOR, "table.moderation-log tbody tr")]
    assert f"renamed a thread from “{new}” to “{old}”" in rows[0], rows[:3]
    assert f"renamed a thread from “{old}” to “{new}”, now “{old}”" in rows[1], rows[:3]
    axe_clean(driver)
    sign_out(driver)


def test_a_new_invites_link_is_shown_once_after_the_redirect(driver, server):
    """Making an invite redirects (a reload cannot make another); the success banner shows its
    link once, never in the address bar; a reload says it was shown. Revoked at the end."""
    sign_in(driver, *server.accounts["admin"])
    driver.get(server.url("/admin/invites"))
    submit_and_wait(driver, "form[action='/admin/invites'] button[type=submit]")
    assert "/admin/invites?notice=invite-made." in driver.current_url, driver.current_url
    assert "invite=" not in driver.current_url.split("?", 1)[1].replace("notice=invite-made", "")
    banner = success(driver)
    assert "Invite made." in banner
    assert "/register?invite=" in banner, banner
    axe_clean(driver)
    driver.refresh()
    banner = success(driver)
    assert "Its link was shown once." in banner
    assert "/register?invite=" not in banner
    axe_clean(driver)
    revoke = driver.find_elements(By.CSS_SELECTOR, "form[action$='/revoke'] button[type=submit]")
    assert revoke, main_text(driver)
    submit_and_wait(driver, "form[action$='/revoke'] button[type=submit]")
    assert "Invite revoked. Its link no longer works." in success(driver)
    sign_out(driver)
