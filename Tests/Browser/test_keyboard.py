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


@pytest.mark.parametrize("path", ["/t/new", "thread"])
def test_compose_and_reply_by_keyboard_follow_the_form_order(js_driver, server, path):
    """Signed in, Tab from the skip link reaches every field of the compose (or reply) form in
    document order, each with visible focus: the form can be filled without a mouse."""
    from conftest import sign_in

    sign_in(js_driver, *server.accounts["member"])
    js_driver.get(server.url(thread_path(server) if path == "thread" else path))
    form_selector = "main form textarea[name=body]"
    expected = js_driver.execute_script(
        "const f = document.querySelector(arguments[0]).form;"
        "return Array.from(f.elements).filter(e => e.type !== 'hidden' && !e.disabled && e.tagName !== 'FIELDSET' && e.tagName !== 'OUTPUT').map(e => e.name + '|' + e.value);",
        form_selector)
    assert expected, "no form fields"
    reached = []
    problems = []
    for _ in range(200):
        el = tab(js_driver)
        if el.tag_name == "body":
            break
        in_form = js_driver.execute_script(
            "return arguments[0].form === document.querySelector(arguments[1]).form", el, form_selector)
        if in_form:
            reached.append(f"{el.get_attribute('name')}|{el.get_attribute('value') or ''}")
            style = js_driver.execute_script(FOCUS_STYLE, el)
            if not (style["outline"] or style["shadow"]):
                problems.append(style["describe"])
    # Radios in one group take one Tab stop; every other control is reached, in order.
    wanted = []
    seen_groups = set()
    for item in expected:
        name = item.split("|")[0]
        if name in seen_groups and name in ("space",):
            continue
        seen_groups.add(name)
        wanted.append(name)
    got = []
    for item in reached:
        name = item.split("|")[0]
        if got and got[-1] == name and name == "space":
            continue
        got.append(name)
    assert [n for n in got if n in wanted] == [n for n in wanted if n in got], (got, wanted)
    assert set(n for n in wanted if n != "space") <= set(got), (got, wanted)
    assert not problems, "focus not visible on:\n" + "\n".join(problems)
