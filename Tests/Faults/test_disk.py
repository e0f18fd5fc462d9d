"""Issue 17, fault 3: the disk fills, and the database turns read-only. Needs root (mounts)."""
from __future__ import annotations

import errno
import html
import os
import re
import shutil
import subprocess

import pytest

from harness import Member, Server, cli, public_threads, report, scratch, seeded

needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small filesystem needs root (CI runs as root)")


def mount(kind: str, root: str) -> tuple[str, list[list[str]]]:
    """A small filesystem at root/mnt: a 64 MiB tmpfs, or an ext4 image on a loop device.
    Returns its path and the commands that take it down."""
    mountpoint = os.path.join(root, "mnt")
    os.makedirs(mountpoint)
    if kind == "tmpfs":
        command = ["mount", "-t", "tmpfs", "-o", "size=64m,mode=0700", "tmpfs", mountpoint]
    else:
        image = os.path.join(root, "disk.img")
        with open(image, "wb") as f:
            f.truncate(64 * 1024 * 1024)
        subprocess.run(["mkfs.ext4", "-q", "-F", image], check=True, capture_output=True)
        command = ["mount", "-o", "loop", image, mountpoint]
    mounted = subprocess.run(command, capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount here ({' '.join(command)}): {mounted.stderr.strip()}")
    return mountpoint, [["umount", "-l", mountpoint]]


def fill(path: str) -> int:
    """Writes a file at `path` until the filesystem is full; returns its size."""
    written = 0
    with open(path, "wb", buffering=0) as f:
        for size in (1 << 20, 4096, 512):
            block = b"\0" * size
            while True:
                try:
                    written += f.write(block) or 0
                except OSError as error:
                    assert error.errno == errno.ENOSPC, error
                    break
    return written


def expect_not_saved(status: int, headers: dict, text: str, typed: str) -> None:
    assert status == 503, text[:500]
    assert headers.get("retry-after") == "30"
    assert "We could not save that just now" in text
    assert html.escape(typed, quote=False) + "</textarea>" in text, "the form lost the member's text"


def try_posting_while_refused(server: Server, member: Member, thread: str, label: str) -> dict:
    """Reply and new thread while the storage refuses: the could-not-save page keeping the text;
    reading goes on. Returns what /healthz said."""
    reply = f"A reply written while {label}: our staff council met on Tuesday."
    expect_not_saved(*member.reply(thread, reply), reply)
    topic = re.search(r'name="topics" type="checkbox" value="([^"]+)"', member.get("/t/new")[2])
    assert topic, "no topic on the new-thread form"
    body = f"A question written while {label}: how did you fund the spin-out?"
    status, headers, text = member.post("/t/new", [("title", "Funding the spin-out"), ("body", body),
                                                    ("topics", topic.group(1)), ("space", "public"), ("action", "post")])
    expect_not_saved(status, headers, text, body)
    assert 'value="Funding the spin-out"' in text
    # Reading keeps working, signed in and out.
    assert member.get(thread)[0] == 200
    assert server.get("/")[0] == 200
    # /healthz says why (the writer's last storage failure) until a write commits again.
    status, _, body = server.get("/healthz")
    health = {"status": status, "body": body.decode().strip()}
    assert status == 503 and "writer" in health["body"], health
    return health


def posting_works(member: Member, thread: str, label: str) -> None:
    text = f"Posted after {label}: the council is up and running."
    status, headers, _ = member.reply(thread, text)
    assert status == 303, f"posting after {label} answered {status}"
    assert text in member.get(headers["location"].split("#")[0])[2]
    assert member.server.get("/healthz")[0] == 200


@needs_root
def test_disk_full_then_space_comes_back():
    with scratch("disk") as (root, _):
        mountpoint, teardown = mount("tmpfs", root)
        server = None
        try:
            data = os.path.join(mountpoint, "data")
            handles = seeded(data, 1)
            server = Server(data, log_dir=root)
            member = Member(server, handles[0])
            thread = public_threads(server)[0]
            posting_works(member, thread, "the start")
            filler = os.path.join(mountpoint, "filler")
            filled = fill(filler)
            health = try_posting_while_refused(server, member, thread, "the disk was full")
            os.remove(filler)
            posting_works(member, thread, "space came back")
            assert server.stop() == 0
            cli(data, "check")
            report("disk-full", tmpfs_mib=64, filler_bytes=filled, healthz=health, recovered="yes, no restart")
        finally:
            if server:
                server.kill()
            for command in teardown:
                subprocess.run(command, capture_output=True)


def loop_devices_work() -> bool:
    return os.geteuid() == 0 and shutil.which("mkfs.ext4") is not None and shutil.which("chattr") is not None \
        and subprocess.run(["losetup", "-f"], capture_output=True).returncode == 0


@pytest.mark.skipif(not loop_devices_work(), reason="needs root, a free loop device, mkfs.ext4 and chattr")
def test_database_turns_read_only_then_writable_again():
    # chmod does not stop a process that already has the file open (nor root); the immutable
    # flag does: ext4 refuses writes through open descriptors too (EPERM).
    with scratch("readonly") as (root, _):
        mountpoint, teardown = mount("ext4", root)
        server = None
        try:
            data = os.path.join(mountpoint, "data")
            handles = seeded(data, 1)
            server = Server(data, log_dir=root)
            member = Member(server, handles[0])
            thread = public_threads(server)[0]
            posting_works(member, thread, "the start")
            files = [os.path.join(data, name) for name in ("mutuals.sqlite3", "mutuals.sqlite3-wal")]
            subprocess.run(["chattr", "+i", *files], check=True)
            try:
                health = try_posting_while_refused(server, member, thread, "the database was read-only")
            finally:
                subprocess.run(["chattr", "-i", *files], check=True)
            posting_works(member, thread, "the database became writable again")
            assert server.stop() == 0
            cli(data, "check")
            report("read-only", filesystem="ext4 on loop, chattr +i on the database and its WAL", healthz=health,
                   recovered="yes, no restart")
        finally:
            if server:
                server.kill()
            for command in teardown:
                subprocess.run(command, capture_output=True)
