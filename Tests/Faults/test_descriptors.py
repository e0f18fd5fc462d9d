"""Issue 17, fault 6: descriptor exhaustion. The server runs with `ulimit -n 64`; clients open
connections past it; the reactor pauses accepting for 100 ms at a time (EMFILE) instead of
spinning, keeps serving the connections it has, and serves new ones once descriptors free up."""
from __future__ import annotations

import os
import selectors
import socket
import time

from harness import Member, Server, public_threads, report, scratch, seeded

LIMIT = 64
CONNECTIONS = 300


def answered(sockets: list[socket.socket], wait: float) -> int:
    """Sends GET /healthz on every socket; counts the 200s that arrive within `wait` seconds."""
    for sock in sockets:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
    selector = selectors.DefaultSelector()
    for sock in sockets:
        selector.register(sock, selectors.EVENT_READ)
    count = 0
    deadline = time.monotonic() + wait
    while (left := deadline - time.monotonic()) > 0 and selector.get_map():
        for key, _ in selector.select(left):
            selector.unregister(key.fileobj)
            try:
                count += key.fileobj.recv(4096).startswith(b"HTTP/1.1 200")
            except OSError:
                pass
    selector.close()
    return count


def test_descriptor_exhaustion_pauses_accepts_and_recovers():
    with scratch("fds") as (root, data):
        handles = seeded(data, 1)
        server = Server(data, nofile=LIMIT, args=("--reactors", "1", "--workers", "4"))
        try:
            member = Member(server, handles[0])
            thread = public_threads(server)[0]
            assert member.get(thread)[0] == 200
            cpu_before = cpu_seconds(server.process.pid)

            sockets = []
            for _ in range(CONNECTIONS):
                sock = socket.socket()
                sock.settimeout(2)
                sock.connect(("127.0.0.1", server.port))  # completes in the kernel's backlog
                sockets.append(sock)
            time.sleep(1.0)
            # The connections the server did accept are served; the rest wait in the backlog.
            served = answered(sockets, 1.0)
            alive = server.process.poll() is None
            cpu_during = cpu_seconds(server.process.pid) - cpu_before
            paused = server.output().count("pausing accept")
            assert alive, server.output()
            assert paused > 0, "the reactor never reported running out of descriptors"
            assert 0 < served < CONNECTIONS

            closed = time.monotonic()
            for sock in sockets:
                sock.close()
            # Served again: a reactor route, a page read from the database and a reply written.
            deadline = closed + 10
            while True:
                try:
                    if server.get("/healthz")[0] == 200:
                        break
                except OSError:
                    pass
                assert time.monotonic() < deadline, "not serving 10 s after the connections closed"
                time.sleep(0.05)
            recovered = time.monotonic() - closed
            assert member.get(thread)[0] == 200
            status, _, _ = member.reply(thread, "Posted after the descriptors ran out and came back.")
            assert status == 303
            report("descriptors", ulimit_n=LIMIT, connections_opened=CONNECTIONS, answered_while_exhausted=served,
                   pause_warnings=paused, server_cpu_s_during_1s_exhaustion=f"{cpu_during:.2f}",
                   serving_again_after_s=f"{recovered:.2f}")
        finally:
            assert server.stop() == 0


def cpu_seconds(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
