"""Fault-injection harness (issue 17): drives the real `mutuals` binary on ephemeral ports.

Environment:
  MUTUALS_BINARY   the server executable (default .build/debug/mutuals, relative to the repository)

Servers here speak plain HTTP (`--no-tls`) unless a scenario needs TLS, and run with
`--visitor-rate 0`: the readers all come from 127.0.0.1, and the per-address limit on visitors
is a defence of its own, not the fault under test. Members are mentors
made with `mutuals user add` (mentors have no new-account posting allowance), and they post
through the real forms: sign in, GET the page, POST with its CSRF token and an Origin header.
"""
from __future__ import annotations

import contextlib
import http.client
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PASSWORD = "fault tolerant staff council"

# Files the scenarios create are the owner's only, as the server's are (`mutuals check`
# reports a data folder readable by others).
os.umask(0o077)


def binary() -> str:
    path = os.environ.get("MUTUALS_BINARY", os.path.join(REPO, ".build", "debug", "mutuals"))
    if not os.path.isabs(path):
        path = os.path.join(REPO, path)
    if not os.access(path, os.X_OK):
        raise RuntimeError(f"no server binary at {path}: run `swift build --product mutuals` or set MUTUALS_BINARY")
    return path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(data_dir: str, *args: str, stdin: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """`mutuals ARGS --data DATA_DIR`."""
    result = subprocess.run([binary(), *args, "--data", data_dir], cwd=REPO, input=stdin,
                            capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise AssertionError(f"mutuals {' '.join(args)} exited {result.returncode}: {result.stdout}{result.stderr}")
    return result


def add_mentors(data_dir: str, count: int, prefix: str = "mentor") -> list[str]:
    handles = []
    for i in range(count):
        handle = f"{prefix}_{i}"
        cli(data_dir, "user", "add", "--handle", handle, "--email", f"{handle}@example.org", "--role", "mentor",
            stdin=PASSWORD + "\n")
        handles.append(handle)
    return handles


class Server:
    """`mutuals serve` on a free port over `data_dir`; its output goes to `data_dir`/../server-N.log."""

    def __init__(self, data_dir: str, *, demo: bool = False, tls: bool = False, args: tuple = (),
                 nofile: int | None = None, log_dir: str | None = None):
        self.data_dir = data_dir
        self.port = free_port()
        self.tls = tls
        command = [binary(), "serve", "--data", data_dir, "--port", str(self.port), "--http-port", "0",
                   "--public", os.path.join(REPO, "Public"), "--templates", os.path.join(REPO, "Templates"),
                   "--access-log", "off", "--visitor-rate", "0", *args]
        if not tls:
            command.append("--no-tls")
        if demo:
            command.append("--demo")
        log_dir = log_dir or os.path.dirname(data_dir.rstrip("/"))
        self.log_path = os.path.join(log_dir, f"server-{self.port}.log")
        self.log = open(self.log_path, "w+")

        def limits():
            if nofile is not None:
                resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, nofile))

        self.process = subprocess.Popen(command, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT,
                                        preexec_fn=limits)
        self.wait_until_healthy()

    @property
    def origin(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def output(self) -> str:
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def wait_until_healthy(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}:\n{self.output()}")
            try:
                if self.get("/healthz")[0] == 200:
                    return
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not answer /healthz within {timeout} s:\n{self.output()}")
            time.sleep(0.05)

    def connection(self, timeout: float = 10) -> http.client.HTTPConnection:
        if self.tls:
            import ssl
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection("127.0.0.1", self.port, timeout=timeout, context=context)
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def get(self, path: str) -> tuple[int, dict, bytes]:
        connection = self.connection()
        try:
            connection.request("GET", path, headers={"Connection": "close"})
            response = connection.getresponse()
            return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
        finally:
            connection.close()

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()
        self.log.close()

    def stop(self, timeout: float = 30) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        return self.process.returncode


CSRF = re.compile(r'name="csrf" value="([^"]+)"')
THREAD_LINK = re.compile(r'href="(/t/(\d+)[^"#]*)"')


class Member:
    """A browser-like client: a cookie jar, the CSRF token of the last page read, Origin on POSTs.
    Each request is on its own connection, so a killed server fails only the request in flight."""

    def __init__(self, server: Server, handle: str | None = None):
        self.server = server
        self.cookies: dict[str, str] = {}
        self.csrf: str | None = None
        if handle:
            self.sign_in(handle)

    def request(self, method: str, path: str, fields: list[tuple[str, str]] | None = None,
                timeout: float = 10) -> tuple[int, dict, str]:
        connection = self.server.connection(timeout)
        try:
            headers = {"Connection": "close"}
            if self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            body = None
            if fields is not None:
                body = urllib.parse.urlencode(fields)
                headers["Content-Type"] = "application/x-www-form-urlencoded"
                headers["Origin"] = self.server.origin
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    pair = value.split(";", 1)[0]
                    key, _, val = pair.partition("=")
                    if val and "max-age=0" not in value.lower():
                        self.cookies[key.strip()] = val
                    else:
                        self.cookies.pop(key.strip(), None)
            token = CSRF.search(text)
            if token:
                self.csrf = token.group(1)
            return response.status, {k.lower(): v for k, v in response.getheaders()}, text
        finally:
            connection.close()

    def get(self, path: str, timeout: float = 10) -> tuple[int, dict, str]:
        return self.request("GET", path, timeout=timeout)

    def post(self, path: str, fields: list[tuple[str, str]], timeout: float = 10) -> tuple[int, dict, str]:
        return self.request("POST", path, [*fields, ("csrf", self.csrf or "")], timeout=timeout)

    def sign_in(self, handle: str) -> None:
        self.get("/sign-in")
        status, headers, text = self.post("/sign-in", [("identifier", handle), ("password", PASSWORD)])
        assert status == 303, f"sign-in of {handle} answered {status}: {text[:300]}"
        self.get("/")

    def reply(self, thread_path: str, body: str, timeout: float = 10) -> tuple[int, dict, str]:
        """GET the thread (its token), POST the reply; returns the POST's answer."""
        self.get(thread_path, timeout=timeout)
        thread_id = re.match(r"/t/(\d+)", thread_path).group(1)
        return self.post(f"/t/{thread_id}/reply", [("body", body), ("action", "post")], timeout=timeout)


def public_threads(server: Server) -> list[str]:
    """Paths of the threads the signed-out home page links to."""
    status, _, body = server.get("/")
    assert status == 200
    seen = []
    for path, _ in THREAD_LINK.findall(body.decode()):
        if path not in seen:
            seen.append(path)
    return seen


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, int(round(p / 100 * len(ordered) + 0.5)) - 1))
    return ordered[index]


@contextlib.contextmanager
def scratch(prefix: str):
    """A temporary folder holding a `data` folder, removed afterwards (kept with KEEP_FAULT_DATA)."""
    root = tempfile.mkdtemp(prefix=f"mutuals-faults-{prefix}-")
    data = os.path.join(root, "data")
    try:
        yield root, data
    finally:
        if os.environ.get("KEEP_FAULT_DATA") is None:
            shutil.rmtree(root, ignore_errors=True)
        else:
            print(f"kept {root}")


def seeded(data: str, mentors: int = 4) -> list[str]:
    """Seeds the demo network in `data` (a first `serve --demo`, stopped), then adds mentors."""
    server = Server(data, demo=True)
    assert server.stop() == 0
    return add_mentors(data, mentors)


def report(name: str, **numbers) -> None:
    """One line per scenario, for docs/RELIABILITY.md (pytest -s shows it)."""
    print(f"\nRESULT {name}: " + ", ".join(f"{k}={v}" for k, v in numbers.items()), flush=True)
