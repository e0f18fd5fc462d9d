"""Issue 17, fault 4: `mutuals backup` while replies stream in."""
from __future__ import annotations

import http.client
import os
import random
import re
import shutil
import sqlite3
import threading
import time

from harness import Member, Server, cli, public_threads, report, scratch, seeded

WRITERS = 4
BACKUPS = 3


def test_backup_during_writes_opens_and_passes_check():
    with scratch("backup") as (root, data):
        handles = seeded(data, WRITERS)
        server = Server(data)
        try:
            members = [Member(server, handle) for handle in handles]
            threads = public_threads(server)
            acknowledged: list[tuple[float, int, str]] = []  # (when, post id, token)
            lock = threading.Lock()
            stop = threading.Event()
            errors: list[str] = []

            def writer(index: int):
                try:
                    write(index)
                except Exception as error:  # a thread's failure must fail the test
                    errors.append(repr(error))

            def write(index: int):
                n = 0
                while not stop.is_set():
                    n += 1
                    token = f"backupw{index}n{n}"
                    try:
                        status, headers, _ = members[index].reply(random.choice(threads), f"Reply {token}")
                    except (OSError, http.client.HTTPException) as error:
                        raise AssertionError(f"a reply failed during the backup: {error}")
                    assert status == 303, status
                    post = int(re.search(r"#post-(\d+)$", headers["location"]).group(1))
                    with lock:
                        acknowledged.append((time.monotonic(), post, token))

            workers = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
            for worker in workers:
                worker.start()
            results = []
            try:
                time.sleep(0.5)
                for number in range(BACKUPS):
                    copy = os.path.join(root, f"backup-{number}.sqlite3")
                    started = time.monotonic()
                    with lock:
                        before = [(post, token) for when, post, token in acknowledged if when < started]
                    cli(data, "backup", "--to", copy)
                    took = time.monotonic() - started
                    # The copy is a data folder of its own: `mutuals check` takes a folder.
                    restored = os.path.join(root, f"restored-{number}")
                    os.makedirs(restored)
                    shutil.copy(copy, os.path.join(restored, "mutuals.sqlite3"))
                    checked = cli(restored, "check")
                    assert checked.stdout.strip() == "ok"
                    database = sqlite3.connect(f"file:{copy}?mode=ro", uri=True)
                    try:
                        posts = database.execute("SELECT count(*) FROM posts").fetchone()[0]
                        found = dict(database.execute("SELECT id, body_markdown FROM posts WHERE body_markdown LIKE 'Reply backup%'"))
                    finally:
                        database.close()
                    missing = [post for post, token in before if token not in found.get(post, "")]
                    assert not missing, f"backup {number} lacks replies acknowledged before it started: {missing}"
                    results.append((took, posts, len(before)))
                    print(f"backup {number}: {took:.2f} s, {posts} posts in the copy, "
                          f"all {len(before)} replies acknowledged before it started are in it; check: ok")
            finally:
                stop.set()
                for worker in workers:
                    worker.join()
            assert not errors, errors
            report("backup-during-writes", backups=BACKUPS, replies_during=len(acknowledged),
                   backup_seconds=",".join(f"{r[0]:.2f}" for r in results), check="ok")
        finally:
            assert server.stop() == 0
