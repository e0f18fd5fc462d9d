"""Issue 17, faults 1 and 2: SIGKILL and SIGTERM under mixed web load."""
from __future__ import annotations

import http.client
import os
import random
import re
import signal
import sqlite3
import threading
import time

from harness import Member, Server, cli, percentile, public_threads, report, scratch, seeded

WRITERS = 4
READERS = 4
ROUNDS = int(os.environ.get("FAULT_KILL_ROUNDS", "20"))


def run_load(server: Server, members: list[Member], threads: list[str], stop: threading.Event, tag: str):
    """Writers post replies through the forms; readers read. Returns the writers' acknowledged
    replies (post id → unique token) and a count of requests."""
    acknowledged: dict[int, str] = {}
    counts = {"posts": 0, "reads": 0, "failed": 0}  # failed: cut off in flight (not refused)
    lock = threading.Lock()

    def writer(index: int):
        member = members[index]
        n = 0
        while not stop.is_set():
            n += 1
            token = f"kill{tag}w{index}n{n}"
            try:
                status, headers, _ = member.reply(random.choice(threads), f"Reply {token} about the staff council.")
            except ConnectionRefusedError:
                continue
            except (OSError, http.client.HTTPException):
                with lock:
                    counts["failed"] += 1
                continue
            if status == 303:
                post = re.search(r"#post-(\d+)$", headers.get("location", ""))
                assert post, headers
                with lock:
                    acknowledged[int(post.group(1))] = token
                    counts["posts"] += 1
                try:
                    member.get(headers["location"].split("#")[0])  # follow the redirect
                except (OSError, http.client.HTTPException):
                    pass

    def reader(index: int):
        visitor = Member(server)
        while not stop.is_set():
            try:
                visitor.get(random.choice(threads + ["/", "/briefing"]))
                with lock:
                    counts["reads"] += 1
            except ConnectionRefusedError:
                continue
            except (OSError, http.client.HTTPException):
                with lock:
                    counts["failed"] += 1

    workers = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
    workers += [threading.Thread(target=reader, args=(i,)) for i in range(READERS)]
    for worker in workers:
        worker.start()
    return workers, acknowledged, counts


def test_sigkill_under_mixed_load_loses_no_acknowledged_post():
    with scratch("kill") as (root, data):
        handles = seeded(data, WRITERS)
        total_acknowledged = 0
        lost_total = 0
        moments = []
        for round_number in range(ROUNDS):
            server = Server(data)
            members = [Member(server, handle) for handle in handles] if round_number == 0 else members
            for member in members:
                member.server = server
            threads = public_threads(server)
            stop = threading.Event()
            workers, acknowledged, counts = run_load(server, members, threads, stop, f"r{round_number}")
            moment = random.uniform(0.3, 2.5)
            moments.append(moment)
            time.sleep(moment)
            server.kill()
            stop.set()
            for worker in workers:
                worker.join()
            # The file after the crash: integrity and foreign keys, as `mutuals check` sees them.
            checked = cli(data, "check", check=False)
            assert checked.returncode == 0, f"round {round_number}: mutuals check: {checked.stdout}{checked.stderr}"
            database = sqlite3.connect(os.path.join(data, "mutuals.sqlite3"))
            try:
                found = dict(database.execute(
                    f"SELECT id, body_markdown FROM posts WHERE id IN ({','.join('?' * len(acknowledged))})",
                    list(acknowledged)).fetchall()) if acknowledged else {}
            finally:
                database.close()
            lost = [post for post, token in acknowledged.items() if token not in found.get(post, "")]
            lost_total += len(lost)
            total_acknowledged += len(acknowledged)
            print(f"round {round_number}: killed after {moment:.2f} s, {len(acknowledged)} acknowledged replies, "
                  f"{counts['reads']} reads, {counts['failed']} requests cut off, lost {len(lost)}")
            assert not lost, f"round {round_number}: acknowledged replies missing after the restart: {lost}"
        report("sigkill", rounds=ROUNDS, acknowledged=total_acknowledged, lost=lost_total,
               kill_after_s=f"{min(moments):.2f}-{max(moments):.2f}")


def test_sigterm_under_load_finishes_in_flight_requests_and_exits_zero():
    grace = 5.0
    with scratch("term") as (root, data):
        handles = seeded(data, WRITERS)
        server = Server(data, args=("--shutdown-grace", str(grace)))
        members = [Member(server, handle) for handle in handles]
        threads = public_threads(server)
        outcomes = {"complete": 0, "refused": 0, "reset_in_flight": 0, "slow_complete": 0}
        problems: list[str] = []
        lock = threading.Lock()
        stop = threading.Event()
        terminated = threading.Event()

        def one_request(action):
            try:
                status, _, body = action()
            except ConnectionRefusedError:
                with lock:
                    outcomes["refused"] += 1  # the listener is closed: never in flight
                return
            except (OSError, http.client.HTTPException) as error:
                with lock:
                    outcomes["reset_in_flight"] += 1
                    problems.append(f"{type(error).__name__}: {error} (after SIGTERM: {terminated.is_set()})")
                return
            with lock:
                if status in (200, 303):
                    outcomes["complete"] += 1
                else:
                    problems.append(f"status {status}")

        def writer(index: int):
            n = 0
            while not stop.is_set():
                n += 1
                one_request(lambda: members[index].reply(random.choice(threads), f"Reply term{index}n{n}"))

        def reader():
            visitor = Member(server)
            while not stop.is_set():
                one_request(lambda: visitor.get(random.choice(threads + ["/"])))

        def slow_reader():
            # Reads a page a few hundred bytes at a time: its response is in flight for a while.
            while not stop.is_set():
                connection = server.connection(timeout=grace + 5)
                try:
                    connection.request("GET", threads[0], headers={"Connection": "close"})
                    response = connection.getresponse()
                    length = int(response.getheader("content-length"))
                    received = 0
                    while received < length:
                        chunk = response.read(512)
                        if not chunk:
                            break
                        received += len(chunk)
                        time.sleep(0.01)
                    with lock:
                        if received == length:
                            outcomes["slow_complete"] += 1
                        else:
                            outcomes["reset_in_flight"] += 1
                            problems.append(f"slow reader got {received} of {length} bytes")
                except ConnectionRefusedError:
                    return
                except (OSError, http.client.HTTPException) as error:
                    with lock:
                        outcomes["reset_in_flight"] += 1
                        problems.append(f"slow reader: {type(error).__name__}: {error}")
                    return
                finally:
                    connection.close()

        workers = [threading.Thread(target=writer, args=(i,)) for i in range(WRITERS)]
        workers += [threading.Thread(target=reader) for _ in range(READERS)]
        workers += [threading.Thread(target=slow_reader) for _ in range(2)]
        for worker in workers:
            worker.start()
        time.sleep(random.uniform(1.0, 2.0))
        started = time.monotonic()
        terminated.set()
        server.process.send_signal(signal.SIGTERM)
        code = server.process.wait(timeout=grace + 10)
        took = time.monotonic() - started
        stop.set()
        for worker in workers:
            worker.join()
        server.log.close()
        report("sigterm", exit_code=code, exit_after_s=f"{took:.2f}", grace_s=grace, **outcomes)
        assert code == 0, server.output()
        assert took <= grace + 1.0
        assert outcomes["reset_in_flight"] == 0, problems
        assert outcomes["complete"] > 0
