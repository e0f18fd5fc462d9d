"""Accessibility and markup checks shared by the tests: axe-core 4.x and strict HTML5 parsing."""
from __future__ import annotations

import functools
import glob
import os

import html5lib

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@functools.cache
def axe_source() -> str:
    """The text of the axe-core 4.x `axe.min.js` bundled in axe-playwright-python (or AXE_JS)."""
    explicit = os.environ.get("AXE_JS")
    if explicit:
        return open(explicit, encoding="utf-8").read()
    import axe_playwright_python  # noqa: F401  (only for the file it ships)
    root = os.path.dirname(axe_playwright_python.__file__)
    found = glob.glob(os.path.join(root, "**", "axe.min.js"), recursive=True)
    assert found, f"axe.min.js not found under {root}"
    return open(found[0], encoding="utf-8").read()


def run_axe(driver) -> dict:
    """Injects axe-core and runs it on the current page with the WCAG 2.0/2.1/2.2 A and AA rules."""
    if not driver.execute_script("return typeof window.axe !== 'undefined'"):
        driver.execute_script(axe_source())
    return driver.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}, resultTypes: ['violations']})"
        ".then(r => done({version: axe.version, violations: r.violations}))"
        ".catch(e => done({error: String(e)}));", AXE_TAGS)


def describe_violations(violations: list) -> str:
    lines = []
    for v in violations:
        lines.append(f"- {v['id']} ({v['impact']}): {v['help']} [{', '.join(t for t in v['tags'] if t.startswith('wcag'))}]")
        for node in v["nodes"][:5]:
            lines.append(f"    {' '.join(map(str, node['target']))}: {node['html'][:160]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", " | ")[:300])
    return "\n".join(lines)


def axe_clean(driver) -> None:
    """With JavaScript on (axe runs in the page), axe finds nothing wrong with the current page."""
    if driver.javascript_enabled:
        result = run_axe(driver)
        assert "error" not in result, result
        assert not result["violations"], describe_violations(result["violations"])


def html5_errors(markup: bytes | str) -> list[str]:
    """Parse errors from html5lib's strict parser (an empty list when the page is valid HTML5 syntax)."""
    parser = html5lib.HTMLParser(strict=False, namespaceHTMLElements=False)
    parser.parse(markup)
    errors = [f"line {pos[0]} col {pos[1]}: {code} {data or ''}" for pos, code, data in parser.errors]
    strict = html5lib.HTMLParser(strict=True)
    try:
        strict.parse(markup)
    except html5lib.html5parser.ParseError as error:
        if not errors:
            errors.append(str(error))
    return errors
