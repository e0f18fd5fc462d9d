"""The harness itself: the no-JavaScript driver really runs no page scripts; the demo accounts parsed."""
from __future__ import annotations


def page_script_ran(driver) -> bool:
    driver.get("data:text/html,<title>before</title><script>document.title='after'</script>")
    return driver.title == "after"


def test_javascript_is_off_in_the_nojs_driver(nojs_driver):
    assert not page_script_ran(nojs_driver)


def test_javascript_is_on_in_the_js_driver(js_driver):
    assert page_script_ran(js_driver)


def test_demo_accounts_were_parsed(server):
    assert set(server.accounts) >= {"member", "mentor", "admin"}
    assert all(len(password) >= 10 for _, password in server.accounts.values())
