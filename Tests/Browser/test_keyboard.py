"""Keyboard use: a skip link first, visible focus on links, buttons and fields."""
from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from pages import thread_path

FOCUS_STYLE = """
const el = arguments[0];
const s = getComputedStyle(el);
return {outline: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0 && s.outlineColor !== 'rgba(0, 0, 0, 0)',
        shadow: s.boxShadow !== 'none', background: s.backgroundColor,
        describe: el.tagName + ' ' + (el.className || '') + ' outline=' + s.outlineStyle + ' ' + s.outlineWidth + ' ' + s.outlineColor + ' shadow=' + s.boxShadow};
"""


def tab(driver):
    driver.switch_to.active_element.send_keys(Keys.TAB)
    return driver.switch_to.active_element


@pytest.mark.parametrize("path", ["/", "/sign-in", "/briefing", "thread"])
def test_first_tab_reaches_a_visible_skip_link_to_main(js_driver, server, path):
    js_driver.get(server.url(thread_path(server) if path == "thread" else path))
    first = tab(js_driver)
    assert first.get_attribute("class") == "skip-link", first.get_attribute("outerHTML")
    assert first.text == "Skip to main content"
    rect = first.rect
    assert first.is_displayed() and rect["width"] > 0 and rect["height"] > 0 and rect["x"] >= 0 and rect["y"] >= 0, rect
    first.send_keys(Keys.ENTER)
    active = js_driver.switch_to.active_element
    assert active.tag_name == "main" and active.get_attribute("id") == "main", active.get_attribute("outerHTML")[:80]
    # The next Tab goes to the first control inside main.
    following = tab(js_driver)
    assert js_driver.execute_script("return document.getElementById('main').contains(arguments[0])", following)


@pytest.mark.parametrize("path", ["/", "/sign-in", "thread"])
def test_focus_is_visible_on_every_control(js_driver, server, path):
    js_driver.get(server.url(thread_path(server) if path == "thread" else path))
    seen = 0
    problems = []
    for _ in range(60):
        el = tab(js_driver)
        if el.tag_name == "body":
            break
        if el.tag_name not in ("a", "button", "input", "select", "textarea", "summary"):
            continue
        style = js_driver.execute_script(FOCUS_STYLE, el)
        if not (style["outline"] or style["shadow"]):
            problems.append(style["describe"])
        seen += 1
    assert seen >= 5, f"only {seen} focusable controls reached on {path}"
    assert not problems, "focus not visible on:\n" + "\n".join(problems)
