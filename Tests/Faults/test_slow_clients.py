"""Issue 17, fault 5: slow clients. 1,000 slowloris connections (TLS done, then a request head
one byte every 2 s) and 500 stalled TLS handshakes (250 send nothing, 250 half a ClientHello)
while normal readers (wrk, 16 connections) read a thread page. A measurement, not a timing
assertion: the script reports wrk's p99 with and without the slow clients and fails only if
readers get errors or the server dies. The server keeps its default timeouts: a slow client is
cut off (408) when the 10 s head timeout passes, and the script reconnects it at once."""
from __future__ import annotations

import concurrent.futures
import re
import resource
import shutil
import socket
import ssl
import subprocess
import threading
import time

import pytest

from harness import Server, public_threads, report, scratch, seeded

SLOWLORIS = 1000
STALLED = 500
MEASURE_SECONDS = 10

pytestmark = pytest.mark.skipif(shutil.which("wrk") is None, reason="needs wrk (apt-get install wrk)")


def raise_descriptor_limit(wanted: int) -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(wanted, hard), hard))


def client_context() -> ssl.SSLContext:
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def client_hello() -> bytes:
    """The bytes of a real ClientHello, made without a network."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = client_context().wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def wrk(url: str, seconds: int) -> dict:
    """wrk's p50/p99 (ms), requests and errors for a GET of `url`."""
    result = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", url],
                            capture_output=True, text=True, timeout=seconds + 30)
    out = result.stdout

    def milliseconds(label: str) -> float:
        match = re.search(rf"^\s*{label}\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        assert match, out
        value, unit = float(match.group(1)), match.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    requests = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {"p50_ms": milliseconds("50%"), "p99_ms": milliseconds("99%"), "requests": requests,
            "socket_errors": sum(int(g) for g in errors.groups()) if errors else 0,
            "non_2xx": int(non2xx.group(1)) if non2xx else 0}


class SlowClients:
    """Holds `SLOWLORIS` slowloris connections and `STALLED` stalled handshakes open, replacing any
    the server cuts off."""

    def __init__(self, port: int):
        self.port = port
        self.hello = client_hello()
        self.context = client_context()
        self.slow: list[ssl.SSLSocket | None] = [None] * SLOWLORIS
        self.stalled: list[socket.socket | None] = [None] * STALLED
        self.reconnects = 0
        self.cut_off = 0
        self.stop = threading.Event()
        self.pool = concurrent.futures.ThreadPoolExecutor(8)

    def open_slowloris(self, index: int) -> None:
        try:
            raw = socket.create_connection(("127.0.0.1", self.port), timeout=10)
            tls = self.context.wrap_socket(raw, server_hostname="localhost")
            tls.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
            tls.settimeout(0)
            self.slow[index] = tls
        except OSError:
            self.slow[index] = None

    def open_stalled(self, index: int) -> None:
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
            if index % 2:
                sock.sendall(self.hello[: len(self.hello) // 2])
            sock.setblocking(False)
            self.stalled[index] = sock
        except OSError:
            self.stalled[index] = None

    def open_all(self) -> None:
        list(self.pool.map(self.open_slowloris, range(SLOWLORIS)))
        list(self.pool.map(self.open_stalled, range(STALLED)))

    def counts(self) -> tuple[int, int]:
        return sum(s is not None for s in self.slow), sum(s is not None for s in self.stalled)

    def keep_dribbling(self) -> None:
        """Every 2 s: one more byte on each slowloris connection; reopen what the server closed."""
        while not self.stop.wait(2.0):
            reopen_slow, reopen_stalled = [], []
            for index, tls in enumerate(self.slow):
                try:
                    if tls is None:
                        raise OSError
                    tls.send(b"X")
                    try:
                        if tls.recv(4096) is not None:  # a 408, or EOF: the server cut it off
                            raise OSError
                    except (ssl.SSLWantReadError, BlockingIOError):
                        pass
                except (OSError, ValueError):
                    if tls is not None:
                        self.cut_off += 1
                        tls.close()
                    reopen_slow.append(index)
            for index, sock in enumerate(self.stalled):
                if sock is not None:
                    try:
                        sock.recv(1, socket.MSG_PEEK)  # EOF, or an alert: the server gave up on it
                    except BlockingIOError:
                        continue  # still waiting
                    except OSError:
                        pass
                    self.cut_off += 1
                    sock.close()
                reopen_stalled.append(index)
            self.reconnects += len(reopen_slow) + len(reopen_stalled)
            list(self.pool.map(self.open_slowloris, reopen_slow))
            list(self.pool.map(self.open_stalled, reopen_stalled))

    def close(self) -> None:
        self.stop.set()
        self.pool.shutdown()
        for sock in [*self.slow, *self.stalled]:
            if sock is not None:
                sock.close()


def test_slow_clients_do_not_delay_normal_readers():
    raise_descriptor_limit(8192)
    with scratch("slow") as (root, data):
        seeded(data, 0)
        server = Server(data, tls=True, nofile=8192)
        try:
            url = f"https://127.0.0.1:{server.port}{public_threads(server)[0]}"
            baseline = wrk(url, 5)
            slow = SlowClients(server.port)
            opened = time.monotonic()
            slow.open_all()
            open_seconds = time.monotonic() - opened
            at_start = slow.counts()
            dribbler = threading.Thread(target=slow.keep_dribbling)
            dribbler.start()
            try:
                loaded = wrk(url, MEASURE_SECONDS)
                at_end = slow.counts()
            finally:
                # The dribbler stops before the pool it reopens connections through shuts down.
                slow.stop.set()
                dribbler.join()
                slow.close()
            assert server.process.poll() is None, server.output()
            report("slow-clients", baseline=baseline, with_slow_clients=loaded,
                   open_at_start=at_start, open_at_end=at_end, seconds_to_open=f"{open_seconds:.1f}",
                   cut_off_and_reopened=slow.reconnects)
            assert at_start[0] >= SLOWLORIS * 0.95 and at_start[1] >= STALLED * 0.95
            assert loaded["requests"] > 0
            assert loaded["socket_errors"] == 0 and loaded["non_2xx"] == 0, loaded
        finally:
            assert server.stop() == 0
