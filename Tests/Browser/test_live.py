"""Live updates on a thread page (Public/live.js): a reply approved from the queue reaches an open
page once, in its place among the posts (before a newer reply already shown), as a reload would
order it."""
from __future__ import annotations

import os
import sqlite3
import time
import uuid

from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from conftest import sign_in


def database(server):
    return sqlite3.connect(os.path.join(server.data_dir, "mutuals.sqlite3"), timeout=10)


def write_reply(server, thread_id: int, author_id: int, text: str, held: bool = False) -> int:
    """A reply written by another process, as the CLI or a second server would: the server's
    watcher finds it without being told."""
    with database(server) as db:
        cursor = db.execute(
            "INSERT INTO posts(thread_id, author_id, position, body_markdown, body_html, renderer_version, created_at, "
            "held_for_approval) VALUES (?1, ?2, (SELECT coalesce(max(position), 0) + 1 FROM posts WHERE thread_id = ?1), "
            "?3, ?4, (SELECT max(renderer_version) FROM posts), ?5, ?6)",
            (thread_id, author_id, text, f"<p>{text}</p>", int(time.time() * 1000), 1 if held else 0))
        return cursor.lastrowid


def arrives(driver, post_id: int, seconds: float = 5) -> bool:
    try:
        WebDriverWait(driver, seconds).until(lambda d: d.find_elements(By.ID, f"post-{post_id}"))
        return True
    except TimeoutException:
        return False


def listed(driver) -> list[str]:
    return [li.get_attribute("id") for li in driver.find_elements(By.CSS_SELECTOR, "ol.posts > li[id^='post-']")]


def test_an_approved_reply_takes_its_place_on_an_open_page(js_driver, server):
    driver = js_driver
    handle, password = server.accounts["member"]
    with database(server) as db:
        thread_id, = db.execute(
            "SELECT t.id FROM threads t WHERE t.organisation_id IS NULL AND t.hidden = 0 AND t.reply_count < 5 "
            "AND EXISTS (SELECT 1 FROM posts p WHERE p.thread_id = t.id AND p.position = 1 AND p.held_for_approval = 0) "
            "ORDER BY t.id LIMIT 1").fetchone()
        author_id, = db.execute("SELECT id FROM users WHERE handle = ?", (server.accounts["mentor"][0],)).fetchone()
    sign_in(driver, handle, password)
    driver.get(server.url(f"/t/{thread_id}"))
    assert driver.find_elements(By.CSS_SELECTOR, "[data-live-stream]")

    # The stream opens after the page loads: replies are written until one arrives live.
    token = uuid.uuid4().hex[:8]
    for attempt in range(10):
        if arrives(driver, write_reply(server, thread_id, author_id, f"Probe {attempt} {token}")):
            break
    else:
        raise AssertionError("no reply reached the open page")

    waiting = write_reply(server, thread_id, author_id, f"Waiting for approval {token}", held=True)
    later = write_reply(server, thread_id, author_id, f"A later reply {token}")
    assert arrives(driver, later)
    assert f"post-{waiting}" not in listed(driver)

    with database(server) as db:
        db.execute("UPDATE posts SET held_for_approval = 0 WHERE id = ?", (waiting,))
    assert arrives(driver, waiting)
    posts = listed(driver)
    assert posts.count(f"post-{waiting}") == 1
    assert posts.index(f"post-{waiting}") == posts.index(f"post-{later}") - 1, posts
    assert f"Waiting for approval {token}" in driver.find_element(By.ID, f"post-{waiting}").text
