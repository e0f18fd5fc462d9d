"""Page weight, third-party requests and narrow screens."""
from __future__ import annotations

import re
from urllib.parse import urljoin, urlparse

import pytest

from conftest import fetch
from pages import largest_thread_path, thread_path

WEIGHT_LIMIT = 60 * 1024


def page_weight(server, path: str) -> dict:
    """Bytes of the page's HTML plus every stylesheet and script it links (uncompressed), and any
    resource from another origin."""
    url = server.url(path)
    status, _, body = fetch(url)
    assert status == 200
    html = body.decode("utf-8")
    sizes = {"html": len(body)}
    foreign = []
    refs = re.findall(r'<link[^>]+href="([^"]+)"', html) + re.findall(r'<script[^>]+src="([^"]+)"', html) \
        + re.findall(r'<img[^>]+src="([^"]+)"', html)
    for ref in refs:
        full = urljoin(url, ref.replace("&amp;", "&"))
        if urlparse(full).netloc != urlparse(url).netloc:
            foreign.append(full)
            continue
        if not re.search(r'\.(css|js)(\?|$)', urlparse(full).path):
            continue
        got, _, data = fetch(full)
        assert got == 200, (full, got)
        sizes[urlparse(full).path] = len(data)
    return {"sizes": sizes, "total": sum(sizes.values()), "foreign": foreign}


def test_thread_page_weight_and_no_third_party(server, record_property):
    weight = page_weight(server, largest_thread_path(server))
    record_property("thread_weight", weight)
    print(f"thread page weight: {weight}")
    assert not weight["foreign"], weight["foreign"]
    assert weight["total"] < WEIGHT_LIMIT, weight


def test_browser_makes_no_third_party_requests(js_driver, server):
    js_driver.get(server.url(largest_thread_path(server)))
    entries = js_driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => [e.name, e.decodedBodySize || 0]);")
    origin = urlparse(server.base_url).netloc
    foreign = [name for name, _ in entries if urlparse(name).netloc != origin]
    assert not foreign, foreign
    nav = js_driver.execute_script("const n = performance.getEntriesByType('navigation')[0]; return n ? n.decodedBodySize : 0;")
    total = nav + sum(size for _, size in entries)
    assert total < WEIGHT_LIMIT, (nav, entries)


@pytest.mark.parametrize("path", ["/", "thread", "/sign-in", "/sign-in?registered=1", "/register", "/briefing", "/accessibility"])
def test_no_horizontal_scroll_at_320px(js_driver, server, path):
    js_driver.set_window_size(320, 800)
    js_driver.get(server.url(thread_path(server) if path == "thread" else path))
    inner = js_driver.execute_script("return window.innerWidth")
    if inner > 320:  # headless windows keep a minimum width; emulate the viewport instead
        js_driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                                  {"width": 320, "height": 800, "deviceScaleFactor": 1, "mobile": True})
        js_driver.refresh()
    try:
        width = js_driver.execute_script("return window.innerWidth")
        assert width == 320, width
        scroll = js_driver.execute_script("return document.documentElement.scrollWidth")
        wide = js_driver.execute_script("""
            return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > 321)
                .slice(0, 5).map(e => e.tagName + '.' + e.className + ' ' + Math.round(e.getBoundingClientRect().right));""")
        assert scroll <= 320, f"scrollWidth {scroll} at 320px on {path}: {wide}"
    finally:
        js_driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
