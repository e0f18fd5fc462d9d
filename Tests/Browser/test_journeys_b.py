"""Issue 18 items 4, 5, 10, 11 and 13, walked as a person would, with JavaScript on and off:
what each page says and where each action lands. Every test leaves the shared demo network as it
found it (settings restored; new threads are new)."""
from __future__ import annotations

import re
import time
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from axe_support import describe_violations, run_axe
from conftest import sign_in, sign_out, staleness_of, submit_and_wait
from test_journeys_board import ask_question, reply


def main_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "main").text


def heading(driver) -> str:
    return driver.find_element(By.TAG_NAME, "h1").text


def check_axe(driver, what: str):
    if not driver.javascript_enabled:
        return
    result = run_axe(driver)
    assert "error" not in result, result
    assert not result["violations"], f"axe on {what} ({driver.current_url}):\n{describe_violations(result['violations'])}"


def path_of(driver) -> str:
    return "/" + driver.current_url.split("/", 3)[3]


def private_thread_path(driver, server) -> str:
    """The demo's private thread of the tri-borough pathfinder, as its member finds it."""
    sign_in(driver, *server.accounts["member"])
    driver.get(server.url("/o/tri-borough-mutual"))
    link = driver.find_element(By.PARTIAL_LINK_TEXT, "Shadow board terms of reference")
    path = "/" + link.get_attribute("href").split("/", 3)[3]
    sign_out(driver)
    return path


# Item 4


def test_visitor_is_asked_to_sign_in_for_a_private_thread_and_comes_back(driver, server):
    path = private_thread_path(driver, server)
    driver.get(server.url(path))
    assert heading(driver) == "Sign in to see this"
    assert "Page not found" not in main_text(driver)
    assert "Shadow board" not in main_text(driver)
    check_axe(driver, "the sign-in-to-see page")
    # A thread that does not exist looks the same to a visitor.
    driver.get(server.url("/t/987654321-anything"))
    assert heading(driver) == "Sign in to see this"
    driver.get(server.url(path))
    link = driver.find_element(By.CSS_SELECTOR, "main a.button")
    assert link.text == "Sign in"
    link.click()
    WebDriverWait(driver, 15).until(staleness_of(link))
    handle, password = server.accounts["member"]
    driver.find_element(By.ID, "identifier").send_keys(handle)
    driver.find_element(By.ID, "password").send_keys(password)
    submit_and_wait(driver)
    assert path_of(driver) == path, driver.current_url
    assert heading(driver).startswith("Shadow board terms of reference")
    sign_out(driver)
    # A member who may not read it is told the page is not found.
    sign_in(driver, *server.accounts["mentor"])
    driver.get(server.url(path))
    if heading(driver) != "Page not found":  # the demo's mentor may be linked to the pathfinder
        assert heading(driver).startswith("Shadow board")
    sign_out(driver)


def test_compose_form_says_anyone_can_read_a_public_thread(driver, server):
    sign_in(driver, *server.accounts["member"])
    driver.get(server.url("/t/new"))
    label = driver.find_element(By.CSS_SELECTOR, "label[for=space-public]").text
    assert label == "Anyone, including people who are not signed in"
    check_axe(driver, "the compose form")
    sign_out(driver)


# Item 5


def test_reading_the_thread_clears_its_notification_and_the_list_shows_an_excerpt(driver, server):
    sign_in(driver, *server.accounts["member"])
    path, title, _ = ask_question(driver, server)
    sign_out(driver)
    sign_in(driver, *server.accounts["mentor"])
    token = uuid.uuid4().hex[:6]
    reply(driver, server, path, f"**Try** a [staff survey](https://example.org/survey) first {token}.")
    sign_out(driver)

    sign_in(driver, *server.accounts["member"])
    driver.get(server.url("/notifications"))
    items = [item for item in driver.find_elements(By.CSS_SELECTOR, ".notification-list__item") if title in item.text]
    assert items, main_text(driver)
    item = items[0]
    assert "New" in item.text
    excerpt = item.find_element(By.CSS_SELECTOR, ".notification-list__excerpt").text
    assert excerpt == f"Try a staff survey first {token}."
    check_axe(driver, "notifications with an excerpt")
    link = item.find_element(By.CSS_SELECTOR, "a")
    link.click()
    WebDriverWait(driver, 15).until(staleness_of(link))
    assert heading(driver).startswith(title)
    driver.get(server.url("/notifications"))
    item = [item for item in driver.find_elements(By.CSS_SELECTOR, ".notification-list__item") if title in item.text][0]
    assert "New" not in item.text, item.text
    assert "notification-list__item--unread" not in item.get_attribute("class")
    sign_out(driver)


# Item 10


def test_admin_changes_two_settings_with_one_save(driver, server):
    sign_in(driver, *server.accounts["admin"])
    driver.get(server.url("/admin/settings"))
    assert len(driver.find_elements(By.CSS_SELECTOR, "main form[action='/admin/settings']")) == 1
    threshold = Select(driver.find_element(By.ID, "setting-flag_threshold"))
    days = Select(driver.find_element(By.ID, "setting-registration"))
    old_threshold = threshold.first_selected_option.get_attribute("value")
    old_days = days.first_selected_option.get_attribute("value")
    new_threshold = "7" if old_threshold != "7" else "6"
    new_days = "closed" if old_days != "closed" else "invite_only"
    threshold.select_by_value(new_threshold)
    days.select_by_value(new_days)
    submit_and_wait(driver, "main form[action='/admin/settings'] button[type=submit]")
    assert path_of(driver).startswith("/admin/settings?notice=settings-saved.2."), driver.current_url
    banner = driver.find_element(By.CSS_SELECTOR, ".notification-banner--success").text
    assert "Settings saved. 2 settings changed." in banner
    assert Select(driver.find_element(By.ID, "setting-flag_threshold")).first_selected_option.get_attribute("value") == new_threshold
    assert Select(driver.find_element(By.ID, "setting-registration")).first_selected_option.get_attribute("value") == new_days
    check_axe(driver, "settings with the saved banner")
    # Put them back as they were.
    Select(driver.find_element(By.ID, "setting-flag_threshold")).select_by_value(old_threshold)
    Select(driver.find_element(By.ID, "setting-registration")).select_by_value(old_days)
    submit_and_wait(driver, "main form[action='/admin/settings'] button[type=submit]")
    assert "Settings saved." in driver.find_element(By.CSS_SELECTOR, ".notification-banner--success").text
    sign_out(driver)


# Item 11


def test_search_results_first_names_and_filters_as_choices(driver, server):
    for width in (1280, 375):
        driver.set_window_size(width, 900)
        driver.get(server.url("/"))
        box = driver.find_element(By.ID, "site-search")
        box.send_keys("board")
        submit_and_wait(driver, "form#site-search-form button[type=submit]")
        assert heading(driver) == "Results for “board”"
        assert len(driver.find_elements(By.CSS_SELECTOR, "input[name=q]")) == 1
        first = driver.find_element(By.CSS_SELECTOR, "ol.search-results > li")
        assert first.location["y"] < 900, f"first result at {first.location['y']} px at {width} px wide"
        snippets = " ".join(s.text for s in driver.find_elements(By.CSS_SELECTOR, ".search-results__snippet"))
        assert "**" not in snippets and "](" not in snippets
    driver.set_window_size(1280, 900)
    check_axe(driver, "search results")

    # Filters: folded, chosen by name, kept with the query.
    driver.find_element(By.CSS_SELECTOR, "summary.search-filters__summary").click()
    Select(driver.find_element(By.ID, "search-organisation")).select_by_value("tri-borough-mutual")
    assert driver.find_element(By.ID, "search-from").get_attribute("type") == "date"
    submit_and_wait(driver, "main button[form=site-search-form]")
    assert "organisation=tri-borough-mutual" in driver.current_url
    assert "(1 in use)" in driver.find_element(By.CSS_SELECTOR, "summary.search-filters__summary").text
    assert driver.find_element(By.ID, "site-search").get_attribute("value") == "board"

    # A name finds the person, and their posts.
    driver.get(server.url("/"))
    driver.find_element(By.ID, "site-search").send_keys("Helen")
    submit_and_wait(driver, "form#site-search-form button[type=submit]")
    people = driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=people-heading]")
    assert "Helen Marsh" in people.text
    link = people.find_element(By.PARTIAL_LINK_TEXT, "posts by Helen Marsh")
    link.click()
    WebDriverWait(driver, 15).until(staleness_of(link))
    assert heading(driver) == "Posts by Helen Marsh"
    assert driver.find_elements(By.CSS_SELECTOR, "ol.search-results > li")
    check_axe(driver, "an author's posts")


# Item 13


def test_reply_draft_is_kept_and_labelled(driver, server):
    sign_in(driver, *server.accounts["member"])
    path, title, _ = ask_question(driver, server)
    driver.get(server.url(path))
    text = f"Half-written thoughts {uuid.uuid4().hex[:6]}"
    driver.find_element(By.ID, "body").send_keys(text)
    if driver.javascript_enabled:
        WebDriverWait(driver, 15).until(lambda d: "Draft saved at" in d.find_element(By.ID, "draft-status").text)
    else:
        # Without JavaScript a draft is kept when previewing, as before.
        submit_and_wait(driver, "section.reply form button[name=action][value=preview]")
    driver.get(server.url("/"))
    driver.get(server.url(path))
    assert driver.find_element(By.ID, "body").get_attribute("value") == text
    label = driver.find_element(By.ID, "draft-label").text
    assert label.startswith("Draft Saved") and "not posted yet" in label
    check_axe(driver, "a restored draft")
    # Posting it clears the draft.
    submit_and_wait(driver, "section.reply form button[name=action][value=post]")
    driver.get(server.url(path))
    assert not driver.find_elements(By.ID, "draft-label")
    assert driver.find_element(By.ID, "body").get_attribute("value") == ""
    sign_out(driver)


# Item 15


def test_topics_page_ask_in_this_topic_and_breadcrumbs(driver, server):
    driver.get(server.url("/"))
    link = driver.find_element(By.CSS_SELECTOR, ".site-nav a[href='/topics']")
    link.click()
    WebDriverWait(driver, 15).until(staleness_of(link))
    assert heading(driver) == "Topics"
    check_axe(driver, "the topics page")
    topic = driver.find_element(By.CSS_SELECTOR, ".topic-index a")
    name = topic.text
    topic.click()
    WebDriverWait(driver, 15).until(staleness_of(topic))
    assert heading(driver) == name
    crumbs = [li.text.strip("› ").strip() for li in driver.find_elements(By.CSS_SELECTOR, ".breadcrumbs__list li")]
    assert crumbs == ["Home", "Topics"], crumbs
    sign_in(driver, *server.accounts["member"])
    driver.get(server.url("/topics"))
    driver.find_element(By.LINK_TEXT, name).click()
    ask = driver.find_element(By.LINK_TEXT, "Ask in this topic")
    ask.click()
    WebDriverWait(driver, 15).until(staleness_of(ask))
    assert heading(driver) == "Start a thread"
    checked = [box for box in driver.find_elements(By.CSS_SELECTOR, "#topics input[type=checkbox]") if box.is_selected()]
    assert [driver.find_element(By.CSS_SELECTOR, f"label[for='{box.get_attribute('id')}']").text for box in checked] == [name]
    sign_out(driver)


def test_header_and_admin_navigation_fit_on_one_line_at_1280(js_driver, server):
    sign_in(js_driver, *server.accounts["admin"])
    js_driver.set_window_size(1280, 900)
    js_driver.get(server.url("/admin/settings"))
    for selector in (".site-nav__list > li", ".admin-nav__list > li"):
        tops = {item.location["y"] for item in js_driver.find_elements(By.CSS_SELECTOR, selector)}
        assert len(tops) == 1, f"{selector} wraps onto {len(tops)} lines at 1280 px"
    sign_out(js_driver)


def test_tap_targets_are_at_least_24_px_on_mobile(js_driver, server):
    sign_in(js_driver, *server.accounts["member"])
    js_driver.set_window_size(375, 800)
    js_driver.get(server.url("/t/new"))
    radios = js_driver.find_elements(By.CSS_SELECTOR, "#space input[type=radio]")
    assert radios, "no space to choose"
    for radio in radios:
        assert radio.size["width"] >= 24 and radio.size["height"] >= 24, (radio.get_attribute("id"), radio.size)
    path, _, _ = ask_question(js_driver, server)
    sign_out(js_driver)
    sign_in(js_driver, *server.accounts["mentor"])
    js_driver.set_window_size(375, 800)
    js_driver.get(server.url(path))
    for text in ("Quote", "Flag"):
        link = js_driver.find_element(By.PARTIAL_LINK_TEXT, text)
        assert link.size["width"] >= 24 and link.size["height"] >= 24, (text, link.size)
    js_driver.set_window_size(1280, 900)
    sign_out(js_driver)


def test_author_fixes_the_title_and_topics(driver, server):
    sign_in(driver, *server.accounts["member"])
    path, title, names = ask_question(driver, server)
    link = driver.find_element(By.LINK_TEXT, "Change the title or topics")
    link.click()
    WebDriverWait(driver, 15).until(staleness_of(link))
    assert heading(driver) == "Change the title or topics"
    check_axe(driver, "the title and topics form")
    box = driver.find_element(By.ID, "title")
    box.clear()
    new_title = title.replace("shared rotas", "shared staff rotas")
    box.send_keys(new_title)
    # Untick every topic: the form comes back with the new title kept and the error linked.
    for checkbox in driver.find_elements(By.CSS_SELECTOR, "#topics input[type=checkbox]"):
        if checkbox.is_selected():
            checkbox.click()
    submit_and_wait(driver, "main form button[type=submit]")
    assert driver.find_element(By.CSS_SELECTOR, ".error-summary a").get_attribute("href").endswith("#topics")
    assert driver.find_element(By.ID, "title").get_attribute("value") == new_title
    driver.find_elements(By.CSS_SELECTOR, "#topics input[type=checkbox]")[0].click()
    submit_and_wait(driver, "main form button[type=submit]")
    assert "notice=details." in driver.current_url
    assert heading(driver) == new_title
    assert "Title and topics saved." in driver.find_element(By.CSS_SELECTOR, ".notification-banner--success").text
    check_axe(driver, "the thread after its details changed")
    sign_out(driver)


def test_this_helped_is_counted_and_ranks_the_topic(driver, server):
    sign_in(driver, *server.accounts["member"])
    path, title, names = ask_question(driver, server)
    sign_out(driver)
    sign_in(driver, *server.accounts["mentor"])
    answer = f"Start with a cash-flow forecast {uuid.uuid4().hex[:6]}."
    reply(driver, server, path, answer)
    sign_out(driver)
    sign_in(driver, *server.accounts["member"])
    driver.get(server.url(path))
    post = [p for p in driver.find_elements(By.CSS_SELECTOR, "ol.posts > li.post") if answer in p.text][0]
    post_id = post.get_attribute("id")
    button = post.find_element(By.XPATH, ".//button[starts-with(normalize-space(), 'This helped')]")
    button.click()
    WebDriverWait(driver, 15).until(staleness_of(button))
    assert "notice=helped." in driver.current_url and driver.current_url.endswith("#" + post_id), driver.current_url
    assert "Marked as helpful." in driver.find_element(By.CSS_SELECTOR, ".notification-banner--success").text
    post = driver.find_element(By.ID, post_id)
    assert "1 member found this helpful" in post.text
    assert "It helped you (take back)" in post.text
    check_axe(driver, "a thread with a helpful mark")
    driver.find_element(By.LINK_TEXT, names[0]).click()
    section = driver.find_element(By.CSS_SELECTOR, "section[aria-labelledby=helpful-heading]")
    assert title in section.text
    sign_out(driver)


def test_new_since_the_last_visit(driver, server):
    sign_in(driver, *server.accounts["member"])
    path, title, _ = ask_question(driver, server)
    sign_out(driver)
    sign_in(driver, *server.accounts["mentor"])
    answer = f"Ask for it in writing {uuid.uuid4().hex[:6]}."
    reply(driver, server, path, answer)
    sign_out(driver)
    sign_in(driver, *server.accounts["member"])
    driver.get(server.url("/"))
    item = [li for li in driver.find_elements(By.CSS_SELECTOR, ".thread-list__item") if title in li.text][0]
    assert "New replies" in item.text, item.text
    check_axe(driver, "the home page with a new-replies marker")
    link = item.find_element(By.CSS_SELECTOR, "h3 a")
    link.click()
    WebDriverWait(driver, 15).until(staleness_of(link))
    jump = driver.find_element(By.LINK_TEXT, "Go to the first post that is new since your last visit")
    post = [p for p in driver.find_elements(By.CSS_SELECTOR, "ol.posts > li.post") if answer in p.text][0]
    assert jump.get_attribute("href").endswith("#" + post.get_attribute("id"))
    assert "New since your last visit" in post.text
    driver.get(server.url("/"))
    item = [li for li in driver.find_elements(By.CSS_SELECTOR, ".thread-list__item") if title in li.text][0]
    assert "New replies" not in item.text
    sign_out(driver)
