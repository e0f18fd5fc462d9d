"""Board journeys (ask, reply as a mentor, accept, search, flag and hide, link a mentor), each with
JavaScript on and off, asserting what a person sees."""
from __future__ import annotations

import re
import uuid

from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from axe_support import describe_violations, run_axe
from conftest import sign_in, sign_out, staleness_of, submit_and_wait


def main_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "main").text


def assert_no_axe_violations(driver, what: str):
    result = run_axe(driver)
    assert "error" not in result, result
    violations = result["violations"]
    assert not violations, f"axe {result['version']} on {what} ({driver.current_url}):\n{describe_violations(violations)}"


def ask_question(driver, server, words: str = "") -> tuple[str, str, list[str]]:
    """Signed in, starts a public thread with two topics through /t/new; returns
    (thread path, title, topic names)."""
    token = uuid.uuid4().hex[:8]
    title = f"How do others handle shared rotas {token} {words}".strip()
    body = f"We are piloting a shared rota across two sites ({token}). What worked for you?"
    driver.get(server.url("/t/new"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Start a thread"
    driver.find_element(By.ID, "title").send_keys(title)
    driver.find_element(By.ID, "body").send_keys(body)
    boxes = driver.find_elements(By.CSS_SELECTOR, "#topics input[type=checkbox][name=topics]")
    assert len(boxes) >= 2, "fewer than two topics to choose"
    names = []
    for box in boxes[:2]:
        box.click()
        names.append(driver.find_element(By.CSS_SELECTOR, f"label[for='{box.get_attribute('id')}']").text.strip())
    public = driver.find_elements(By.ID, "space-public")
    if public:
        public[0].click()
    submit_and_wait(driver, "main form button[name=action][value=post]")
    assert not driver.find_elements(By.CSS_SELECTOR, ".error-summary"), main_text(driver)
    assert re.search(r"/t/\d+", driver.current_url), driver.current_url
    path = "/" + driver.current_url.split("/", 3)[3].split("#")[0]
    return path, title, names


def reply(driver, server, path: str, text: str) -> None:
    driver.get(server.url(path))
    driver.find_element(By.ID, "body").send_keys(text)
    submit_and_wait(driver, "section.reply form button[name=action][value=post]")
    assert not driver.find_elements(By.CSS_SELECTOR, ".error-summary"), main_text(driver)


def post_containing(driver, text: str):
    for post in driver.find_elements(By.CSS_SELECTOR, "ol.posts > li.post"):
        if text in post.text:
            return post
    raise AssertionError(f"no post containing {text!r} on {driver.current_url}:\n{main_text(driver)}")


def test_ask_a_question_with_two_topics(driver, server):
    sign_in(driver, *server.accounts["member"])
    path, title, topics = ask_question(driver, server)
    assert driver.find_element(By.TAG_NAME, "h1").text == title
    assert "We are piloting a shared rota" in main_text(driver)
    tags = [t.text.strip() for t in driver.find_elements(By.CSS_SELECTOR, "main ul.tags a.tag")]
    for name in topics:
        assert name in tags, f"{name} not among the thread's tags {tags}"
    sign_out(driver)


def test_reply_as_a_mentor_and_accept_the_answer(driver, server):
    sign_in(driver, *server.accounts["member"])
    path, title, _ = ask_question(driver, server)
    sign_out(driver)

    sign_in(driver, *server.accounts["mentor"])
    answer = f"Start with one ward and a weekly review ({uuid.uuid4().hex[:8]})."
    reply(driver, server, path, answer)
    post = post_containing(driver, answer)
    badge = post.find_element(By.CSS_SELECTOR, ".post__header .badge").text
    assert badge.startswith("Mentor"), badge
    assert re.match(r"^Mentor( · .+)?$", badge), badge
    sign_out(driver)

    # The thread's author marks the mentor's reply as the answer.
    sign_in(driver, *server.accounts["member"])
    driver.get(server.url(path))
    post = post_containing(driver, answer)
    button = post.find_element(By.XPATH, ".//button[normalize-space()='Mark as the answer']")
    button.click()
    WebDriverWait(driver, 15).until(staleness_of(button))
    driver.get(server.url(path))
    post = post_containing(driver, answer)
    assert "Accepted answer" in post.find_element(By.CSS_SELECTOR, ".post__header").text
    assert driver.find_elements(By.LINK_TEXT, "Go to the accepted answer")
    sign_out(driver)


def test_search_and_open_a_result(driver, server):
    sign_in(driver, *server.accounts["member"])
    word = "zq" + uuid.uuid4().hex[:10]
    path, title, _ = ask_question(driver, server, word)
    driver.get(server.url("/search"))
    driver.find_element(By.ID, "site-search").send_keys(word)
    submit_and_wait(driver, "form#site-search-form button[type=submit]")
    assert "/search?" in driver.current_url
    links = driver.find_elements(By.CSS_SELECTOR, "ol.search-results h3 a")
    assert links, main_text(driver)
    link = links[0]
    link.click()
    WebDriverWait(driver, 15).until(staleness_of(link))
    assert re.search(r"/t/\d+", driver.current_url), driver.current_url
    assert driver.find_element(By.TAG_NAME, "h1").text == title
    sign_out(driver)


def test_flag_a_post_and_hide_it_as_an_admin(driver, server):
    sign_in(driver, *server.accounts["mentor"])
    path, title, _ = ask_question(driver, server)
    sign_out(driver)

    # A member flags the mentor's opening post.
    sign_in(driver, *server.accounts["member"])
    driver.get(server.url(path))
    first = driver.find_elements(By.CSS_SELECTOR, "ol.posts > li.post")[0]
    post_id = first.get_attribute("id").split("-", 1)[1]
    flag = first.find_element(By.CSS_SELECTOR, "a.post-moderation__flag")
    flag.click()
    assert driver.find_element(By.TAG_NAME, "h1").text.startswith("Flag a post")
    driver.find_elements(By.CSS_SELECTOR, "#reason input[type=radio][name=reason]")[0].click()
    submit_and_wait(driver)
    assert not driver.find_elements(By.CSS_SELECTOR, ".error-summary"), main_text(driver)
    # Back on the thread at the post, with a word in a success banner (and axe passes with it).
    assert driver.current_url.endswith(f"#post-{post_id}"), driver.current_url
    banner = driver.find_element(By.CSS_SELECTOR, "main .notification-banner--success").text
    assert "An admin will look at it" in banner, banner
    if driver.javascript_enabled:
        assert_no_axe_violations(driver, "flag a post, done")
    sign_out(driver)

    # The admin hides it from the queue with a reason.
    reason = f"Off-topic for this network {uuid.uuid4().hex[:6]}"
    sign_in(driver, *server.accounts["admin"])
    driver.get(server.url("/admin/queue"))
    item = driver.find_element(By.ID, f"post-{post_id}")
    item.find_element(By.ID, f"reason-{post_id}").send_keys(reason)
    submit_and_wait(driver, f"#post-{post_id} button[name=decision][value=hide]")
    sign_out(driver)

    # Readers (signed out) see the hidden notice with the reason, and the log lists it.
    driver.get(server.url(path))
    notice = driver.find_element(By.CSS_SELECTOR, f"#post-{post_id} .post-moderation--hidden").text
    assert "hidden by a moderator" in notice and reason in notice, notice
    driver.get(server.url("/moderation"))
    rows = [r.text for r in driver.find_elements(By.CSS_SELECTOR, "table.moderation-log tbody tr")]
    assert any(reason in r for r in rows), rows[:5]


def test_link_a_mentor_to_a_thread(driver, server):
    sign_in(driver, *server.accounts["member"])
    path, title, _ = ask_question(driver, server)
    driver.find_element(By.CSS_SELECTOR, "section.thread-mentors a[href$='/mentors']").click()
    assert driver.find_element(By.TAG_NAME, "h1").text == "Ask a mentor"
    boxes = driver.find_elements(By.CSS_SELECTOR, "#mentors input[type=checkbox][name=mentors]")
    assert boxes, main_text(driver)
    box = boxes[0]
    name = driver.find_element(By.CSS_SELECTOR, f"label[for='{box.get_attribute('id')}']").text.strip()
    box.click()
    submit_and_wait(driver)
    assert not driver.find_elements(By.CSS_SELECTOR, ".error-summary"), main_text(driver)
    assert re.search(r"/t/\d+", driver.current_url), driver.current_url
    section = driver.find_element(By.CSS_SELECTOR, "section.thread-mentors").text
    assert "Linked to this thread:" in section and name in section, section
    sign_out(driver)


def test_follow_a_topic(driver, server):
    """A member follows a topic from its page and the page says so."""
    sign_in(driver, *server.accounts["member"])
    driver.get(server.url("/"))
    link = driver.find_element(By.CSS_SELECTOR, "main a[href^='/topics/']")
    link.click()
    # The demo member is shared by the JS and no-JS runs: start from "not following".
    if driver.find_elements(By.CSS_SELECTOR, "main form.topic-follow button[value=unfollow]"):
        submit_and_wait(driver, "main form.topic-follow button[value=unfollow]")
    submit_and_wait(driver, "main form.topic-follow button[value=follow]")
    assert "You follow this topic" in driver.find_element(By.TAG_NAME, "main").text
    assert driver.find_elements(By.XPATH, "//button[normalize-space()='Stop following this topic']")
