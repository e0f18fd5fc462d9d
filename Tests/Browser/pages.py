"""Finding the demo network's pages from what the home page links to."""
from __future__ import annotations

import re

from conftest import fetch


def first_link(server, pattern: str, path: str = "/") -> str:
    """The first href on `path` matching `pattern` (a regex), as a site path."""
    status, _, body = fetch(server.url(path))
    assert status == 200, f"{path} answered {status}"
    for href in re.findall(r'href="([^"]+)"', body.decode("utf-8")):
        if re.match(pattern, href):
            return href.replace("&amp;", "&")
    raise AssertionError(f"no link matching {pattern} on {path}")


def topic_path(server) -> str:
    return first_link(server, r"^/topics/[^/]+$")


def thread_path(server) -> str:
    return first_link(server, r"^/t/\d+")


def organisation_path(server) -> str:
    for page in ("/", thread_path(server)):
        try:
            return first_link(server, r"^/o/[^/]+$", page)
        except AssertionError:
            pass
    return "/o/central-surrey-health"  # a pathfinder the demo seeds


def largest_thread_path(server) -> str:
    """The linked thread with the most HTML (the most posts): the page-weight worst case."""
    status, _, body = fetch(server.url("/"))
    paths = sorted(set(re.findall(r'href="(/t/\d+[^"]*)"', body.decode("utf-8"))))
    return max(paths, key=lambda p: len(fetch(server.url(p))[2]))
