"""Browser-test harness: starts the real `mutuals serve --demo` over HTTPS and drives headless
Chromium against it with selenium.

Environment:
  MUTUALS_BINARY   the server executable (default .build/debug/mutuals, relative to the repository)
  CHROMEDRIVER     chromedriver path (default: /usr/bin/chromedriver when present, else selenium's lookup)
  CHROMIUM         browser binary (default: /usr/bin/chromium when present)
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.support.ui import WebDriverWait

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass
class Server:
    base_url: str
    data_dir: str
    binary: str
    process: subprocess.Popen
    accounts: dict = field(default_factory=dict)  # role -> (handle, password)
    output: list = field(default_factory=list)

    def url(self, path: str) -> str:
        return self.base_url + path

    def cli(self, *args: str) -> str:
        """Runs `mutuals ARGS --data <data dir>` against the running server's data directory."""
        result = subprocess.run([self.binary, *args, "--data", self.data_dir], cwd=REPO,
                                capture_output=True, text=True, timeout=60)
        assert result.returncode == 0, f"mutuals {' '.join(args)} failed: {result.stderr}"
        return result.stdout


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def insecure_context() -> ssl.SSLContext:
    """The demo certificate is self-signed: tests talk to localhost only."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def fetch(url: str, headers: dict | None = None) -> tuple[int, dict, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, context=insecure_context(), timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


# The running server's address, for helpers called with only a driver.
BASE_URL = {"url": ""}

ACCOUNT_LINE = re.compile(r"^\s+(member|mentor|admin)\s+(\S+)\s+password:\s+(\S+)\s*$")


@pytest.fixture(scope="session")
def server():
    """The real server binary, serving the demo network over HTTPS for the whole session."""
    with running_server() as srv:
        yield srv


@contextlib.contextmanager
def running_server():
    """Starts `mutuals serve --demo` on a free port in a temporary data directory, waits for
    /healthz, yields a `Server`, and stops it with SIGTERM."""
    binary = os.environ.get("MUTUALS_BINARY", os.path.join(REPO, ".build", "debug", "mutuals"))
    if not os.path.isabs(binary):
        binary = os.path.join(REPO, binary)
    if not os.access(binary, os.X_OK):
        raise RuntimeError(f"no server binary at {binary}: build it with `swift build --product mutuals` "
                    "or set MUTUALS_BINARY")
    with data_directory("mutuals-browser-") as data_dir:
        port = free_port()
        log_path = os.path.join(data_dir, "server.log")
        log = open(log_path, "w+")
        process = subprocess.Popen(
            [binary, "serve", "--demo", "--data", data_dir, "--port", str(port), "--http-port", "0",
             "--public", os.path.join(REPO, "Public"), "--templates", os.path.join(REPO, "Templates"),
             # Many tests read pages signed out from one address in quick succession.
             "--access-log", "off", "--visitor-rate", "0"],
            cwd=REPO, stdout=log, stderr=subprocess.STDOUT, text=True)
        base_url = f"https://localhost:{port}"
        BASE_URL["url"] = base_url
        srv = Server(base_url=base_url, data_dir=data_dir, binary=binary, process=process)
        try:
            srv.output = wait_until_serving(process, base_url, log)
            srv.accounts = demo_accounts(srv.output)
            assert {"member", "mentor", "admin"} <= srv.accounts.keys(), f"demo accounts not printed: {srv.output}"
            yield srv
        finally:
            stop(process)
            log.close()


def wait_until_serving(process: subprocess.Popen, base_url: str, log) -> list[str]:
    """Waits (60 s at most) until the server answers /healthz; returns the lines it has written
    to `log` by then. Raises with its output when it exits or does not answer."""
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            log.seek(0)
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read()}")
        with contextlib.suppress(OSError):
            if fetch(base_url + "/healthz")[0] == 200:
                break
        if time.monotonic() > deadline:
            log.seek(0)
            raise RuntimeError(f"server did not answer /healthz within 60 s:\n{log.read()}")
        time.sleep(0.2)
    log.seek(0)
    return log.read().splitlines()


def demo_accounts(output: list[str]) -> dict:
    """The demo accounts `serve --demo` printed: role -> (handle, password)."""
    accounts = {}
    for line in output:
        match = ACCOUNT_LINE.match(line)
        if match:
            accounts[match.group(1)] = (match.group(2), match.group(3))
    return accounts


@contextlib.contextmanager
def data_directory(prefix: str):
    """A fresh data directory under the system temporary directory, removed when the block
    ends however it ends (kept when KEEP_BROWSER_DATA is set, to read the server's log)."""
    path = tempfile.mkdtemp(prefix=prefix)
    try:
        yield path
    finally:
        if os.environ.get("KEEP_BROWSER_DATA") is None:
            shutil.rmtree(path, ignore_errors=True)


def stop(process: subprocess.Popen) -> None:
    """Stops a server with SIGTERM, killing it if it has not exited within 20 s."""
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def make_driver(javascript: bool, width: int = 1280, height: int = 900) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    chromium = os.environ.get("CHROMIUM") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
    if chromium:
        options.binary_location = chromium
    options.add_argument("--headless=new")
    options.add_argument("--no-sandbox")
    options.add_argument("--disable-dev-shm-usage")
    options.add_argument("--disable-gpu")
    options.add_argument(f"--window-size={width},{height}")
    options.add_argument("--ignore-certificate-errors")
    options.add_argument("--lang=en-GB")
    options.accept_insecure_certs = True
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    driverpath = os.environ.get("CHROMEDRIVER") or ("/usr/bin/chromedriver" if os.path.exists("/usr/bin/chromedriver") else None)
    service = Service(executable_path=driverpath) if driverpath else Service()
    driver = webdriver.Chrome(options=options, service=service)
    driver.set_page_load_timeout(30)
    driver.javascript_enabled = javascript
    return driver


@pytest.fixture(scope="session")
def _js_driver():
    driver = make_driver(javascript=True)
    yield driver
    driver.quit()


@pytest.fixture(scope="session")
def _nojs_driver():
    driver = make_driver(javascript=False)
    yield driver
    driver.quit()


def _fresh(driver):
    driver.delete_all_cookies()
    driver.set_window_size(1280, 900)
    return driver


@pytest.fixture
def js_driver(_js_driver, server):
    """Chromium with JavaScript on, cookies cleared."""
    _js_driver.get(server.url("/healthz"))
    return _fresh(_js_driver)


@pytest.fixture
def nojs_driver(_nojs_driver, server):
    """Chromium with JavaScript off (Chrome prefs), cookies cleared."""
    _nojs_driver.get(server.url("/healthz"))
    return _fresh(_nojs_driver)


@pytest.fixture(params=["js", "nojs"])
def driver(request, server):
    """Both drivers: a journey using it runs once with JavaScript and once without."""
    name = "_js_driver" if request.param == "js" else "_nojs_driver"
    d = request.getfixturevalue(name)
    d.get(server.url("/healthz"))
    return _fresh(d)


def staleness_of(element):
    """Like selenium's condition, but also counts chromedriver's "node does not belong to the
    document" (an inspector error raised while the old page is being replaced) as gone."""
    def gone(_driver) -> bool:
        try:
            element.is_enabled()
            return False
        except WebDriverException:
            return True
    return gone


def submit_and_wait(driver, selector: str = "main form button[type=submit]") -> None:
    """Presses a form's submit button and waits for the next page (a click does not always wait
    for the navigation it starts, notably with JavaScript off)."""
    button = driver.find_element(By.CSS_SELECTOR, selector)
    button.click()
    WebDriverWait(driver, 15).until(staleness_of(button))


def signed_in_header(driver) -> bool:
    """Whether the page's header offers Sign out (board pages may not show who is signed in yet,
    so callers check on /account, which always does)."""
    return bool(driver.find_elements(By.CSS_SELECTOR, "form[action='/sign-out'] button"))


def sign_in(driver, handle: str, password: str) -> None:
    """Signs in through the form, as a person would, and checks /account then shows Sign out."""
    driver.get(BASE_URL["url"] + "/sign-in")
    if not driver.find_elements(By.ID, "identifier"):
        # Still signed in from an earlier step (the sign-in page sends a member on): sign out first.
        sign_out(driver)
        driver.get(BASE_URL["url"] + "/sign-in")
    driver.find_element(By.ID, "identifier").send_keys(handle)
    driver.find_element(By.ID, "password").send_keys(password)
    submit_and_wait(driver)
    assert not driver.find_elements(By.CSS_SELECTOR, ".error-summary"), \
        driver.find_element(By.CSS_SELECTOR, ".error-summary").text
    driver.get(BASE_URL["url"] + "/account")
    assert signed_in_header(driver) and "/sign-in" not in driver.current_url, f"not signed in as {handle}"


def sign_out(driver) -> None:
    """Presses the header's Sign out button (from /account when the current page has none) and
    checks /account then asks to sign in."""
    if not signed_in_header(driver):
        driver.get(BASE_URL["url"] + "/account")
    button = driver.find_element(By.CSS_SELECTOR, "form[action='/sign-out'] button")
    button.click()
    WebDriverWait(driver, 10).until(staleness_of(button))
    driver.get(BASE_URL["url"] + "/account")
    assert "/sign-in" in driver.current_url and not signed_in_header(driver), "still signed in after Sign out"
