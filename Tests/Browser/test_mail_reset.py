"""A forgotten password, end to end (issue 15): the real server sends through a real SMTP server
(aiosmtpd, Tests/MailTests/smtp_server.py) on loopback. A member asks from the sign-in page,
the mail is read from what the SMTP server received and parsed with Python's `email` package,
its link is followed, a new password is set, and the member signs in with it. Axe checks each
new page. Runs with JavaScript on and off, each on a server of its own (the demo member's
password changes)."""
from __future__ import annotations

import contextlib
import email
import email.policy
import glob
import os
import re
import subprocess
import sys
import tempfile
import time

import pytest
from selenium.webdriver.common.by import By

import conftest
from axe_support import describe_violations, run_axe
from conftest import REPO, free_port, submit_and_wait

SMTP_SERVER = os.path.join(REPO, "Tests", "MailRelay", "smtp_server.py")
MEMBER_EMAIL = "sam.okafor@example.org"
NEW_PASSWORD = "a fresh passphrase for sam"


@contextlib.contextmanager
def smtp_server(out_dir: str):
    """aiosmtpd on a free loopback port, plain SMTP; yields the port."""
    # Its standard input stays open while it should run (it stops at end of input).
    process = subprocess.Popen([sys.executable, SMTP_SERVER, "--out", out_dir, "--security", "none"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        line = process.stdout.readline()
        assert line.startswith("PORT "), f"the SMTP server did not start: {line}"
        yield int(line.split()[1])
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextlib.contextmanager
def mailing_server(smtp_port: int):
    """`mutuals serve --demo` relaying through the test SMTP server; yields (base_url, accounts)."""
    binary = os.environ.get("MUTUALS_BINARY", os.path.join(REPO, ".build", "debug", "mutuals"))
    with conftest.data_directory("mutuals-mail-browser-") as data_dir:
        port = free_port()
        base_url = f"https://localhost:{port}"
        log = open(os.path.join(data_dir, "server.log"), "w+")
        process = subprocess.Popen(
            [binary, "serve", "--demo", "--data", data_dir, "--port", str(port), "--http-port", "0",
             "--public", os.path.join(REPO, "Public"), "--templates", os.path.join(REPO, "Templates"),
             "--access-log", "off", "--smtp-host", "127.0.0.1", "--smtp-port", str(smtp_port), "--smtp-tls", "none",
             "--mail-from", "Mutuals Network <network@example.org>", "--base-url", base_url],
            cwd=REPO, stdout=log, stderr=subprocess.STDOUT, text=True)
        previous = conftest.BASE_URL["url"]
        conftest.BASE_URL["url"] = base_url
        try:
            yield base_url, conftest.demo_accounts(conftest.wait_until_serving(process, base_url, log))
        finally:
            conftest.BASE_URL["url"] = previous
            conftest.stop(process)
            log.close()


def wait_for_mail(out_dir: str, to: str, timeout: float = 30) -> email.message.EmailMessage:
    """The first message the SMTP server accepted for `to`, parsed."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(glob.glob(os.path.join(out_dir, "*.eml"))):
            with open(path, "rb") as f:
                message = email.message_from_binary_file(f, policy=email.policy.default)
            if to in str(message["To"]):
                return message
        time.sleep(0.2)
    raise AssertionError(f"no mail to {to} within {timeout} s")


def check_axe(driver):
    if driver.javascript_enabled:
        result = run_axe(driver)
        assert "error" not in result, result
        assert not result["violations"], describe_violations(result["violations"])


def main_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "main").text


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "nojs"])
def test_forgotten_password_through_the_mailed_link(javascript, request):
    driver = request.getfixturevalue("_js_driver" if javascript else "_nojs_driver")
    with tempfile.TemporaryDirectory(prefix="mutuals-smtp-") as out_dir, \
            smtp_server(out_dir) as smtp_port, mailing_server(smtp_port) as (base_url, accounts):
        handle, old_password = accounts["member"]
        driver.delete_all_cookies()

        driver.get(base_url + "/sign-in")
        driver.find_element(By.LINK_TEXT, "Forgot your password?").click()
        assert driver.current_url.endswith("/forgot-password")
        check_axe(driver)

        # An empty form is refused with the GOV.UK error summary, and nothing is sent.
        submit_and_wait(driver)
        assert "Enter your email address" in driver.find_element(By.CSS_SELECTOR, ".error-summary").text
        check_axe(driver)

        driver.find_element(By.ID, "email").send_keys(MEMBER_EMAIL)
        submit_and_wait(driver)
        assert driver.find_element(By.TAG_NAME, "h1").text == "Check your email"
        check_axe(driver)

        message = wait_for_mail(out_dir, MEMBER_EMAIL)
        assert message["Subject"] == "Reset your Mutuals Network password"
        assert message.get_content_type() == "multipart/alternative"
        assert message["List-Unsubscribe"] is None  # security mail
        text = message.get_body(preferencelist=("plain",)).get_content()
        links = re.findall(r"https://\S+/reset-password/\S+", text)
        assert len(links) == 1, text
        html = message.get_body(preferencelist=("html",)).get_content()
        assert links[0] in html

        driver.get(links[0])
        assert driver.find_element(By.TAG_NAME, "h1").text == "Choose a new password"
        check_axe(driver)
        driver.find_element(By.ID, "newPassword").send_keys("short")
        submit_and_wait(driver)
        assert "Password must be 10 characters or more" in driver.find_element(By.CSS_SELECTOR, ".error-summary").text
        check_axe(driver)
        driver.find_element(By.ID, "newPassword").send_keys(NEW_PASSWORD)
        submit_and_wait(driver)

        assert "/sign-in" in driver.current_url
        assert "Your password has been changed" in main_text(driver)
        check_axe(driver)

        # The link works once.
        driver.get(links[0])
        assert driver.find_element(By.TAG_NAME, "h1").text == "This link has already been used"
        check_axe(driver)

        # The old password no longer signs in; the new one does.
        for password, works in ((old_password, False), (NEW_PASSWORD, True)):
            driver.get(base_url + "/sign-in")
            driver.find_element(By.ID, "identifier").send_keys(handle)
            driver.find_element(By.ID, "password").send_keys(password)
            submit_and_wait(driver)
            assert bool(driver.find_elements(By.CSS_SELECTOR, ".error-summary")) != works, main_text(driver)
        driver.get(base_url + "/account")
        assert "/sign-in" not in driver.current_url
        assert "sam.okafor@example.org: confirmed" in main_text(driver)
        check_axe(driver)
