#!/usr/bin/env python3
"""Saves screenshots of home, a thread and (when it exists) the compose page at 1280 px and 375 px
wide into docs/screenshots/. Starts the server binary the same way the tests do.

    python3 Tests/Browser/screenshots.py     # MUTUALS_BINARY=... for another build
"""
from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import conftest  # noqa: E402
from conftest import REPO, make_driver  # noqa: E402
from pages import largest_thread_path  # noqa: E402

WIDTHS = [1280, 375]
MAX_HEIGHT = 2400


def full_page(driver, path: str, width: int, out: str) -> None:
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": 800, "deviceScaleFactor": 1, "mobile": width < 600})
    driver.get(path)
    height = min(MAX_HEIGHT, driver.execute_script("return document.documentElement.scrollHeight"))
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600})
    driver.save_screenshot(out)
    optimise(out)
    print(f"{out}: {os.path.getsize(out) // 1024} KB")


def optimise(path: str) -> None:
    """Shrinks the PNG with Pillow's palette quantisation when Pillow is installed."""
    try:
        from PIL import Image
    except ImportError:
        return
    image = Image.open(path).convert("RGB")
    image.quantize(colors=128, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)


def main() -> int:
    with conftest.running_server() as server:
        return shoot(server)


def shoot(server) -> int:
    out_dir = os.path.join(REPO, "docs", "screenshots")
    os.makedirs(out_dir, exist_ok=True)
    pages = {"home": "/", "thread": largest_thread_path(server)}
    driver = make_driver(javascript=True)
    try:
        handle, password = server.accounts["member"]
        conftest.sign_in(driver, handle, password)
        for candidate in ("/new", "/t/new", "/threads/new", "/ask"):
            driver.get(server.url(candidate))
            if driver.current_url.endswith(candidate) and "Page not found" not in driver.title:
                pages["compose"] = candidate
                break
        for name, path in pages.items():
            for width in WIDTHS:
                full_page(driver, server.url(path), width, os.path.join(out_dir, f"{name}-{width}.png"))
    finally:
        driver.quit()
    return 0


if __name__ == "__main__":
    sys.exit(main())
