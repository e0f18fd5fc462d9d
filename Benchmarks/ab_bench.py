"""A/B of two builds on one row of pages.sh, both servers up at once (Benchmarks/ab.sh).

Restarting one build after another cannot tell 5% apart on a shared host: the same build's CPU a
request moved by a third within the hour (docs/PERFORMANCE.md, thirteenth and fourteenth rounds).
So both builds run at once, each pinned to the same CPU on its own port, and short wrk runs
alternate between them; what is compared is each build's median CPU a request and, pair by pair,
the difference and how often B was cheaper.
"""
import argparse
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from pages_bench import COMMON_WORDS, Client, certificate, cpu_seconds, csrf, lua_script, seeded_draw, start_server, wrk  # noqa: E402


def sign_in(port, member, password):
    client = Client(port)
    _, _, page = client.request("GET", "/sign-in")
    status, _, _ = client.request("POST", "/sign-in", {"identifier": member, "password": password, "csrf": csrf(page)})
    assert status == 303, f"sign-in on port {port} answered {status}"
    return {"Cookie": "__Host-session=" + client.cookies["__Host-session"]}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--a", required=True)
    parser.add_argument("--b", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--data-b", help="B's own copy of the files (default: --data, shared with A)")
    parser.add_argument("--row", default="thread", choices=["thread", "thread-gzip", "random", "home", "topic", "search"])
    parser.add_argument("--pairs", type=int, default=8)
    parser.add_argument("--seconds", type=int, default=3)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="mutuals-ab.")
    cert, key = certificate(work)
    member, password = "sam_okafor", "benchmark-password-" + str(random.randint(10**8, 10**9))
    data_b = args.data_b or args.data
    # Once for each copy, before both start: a second reset of one copy would end the first
    # server's session.
    for data in sorted({args.data, data_b}):
        subprocess.run([args.a, "user", "reset-password", member, "--data", data], input=password + "\n",
                       check=True, capture_output=True, text=True)

    db = sqlite3.connect(f"file:{args.data}/mutuals.sqlite3?mode=ro", uri=True)
    threads = seeded_draw(db)  # pages.sh's draw: the same threads
    topic = db.execute("SELECT slug FROM topics ORDER BY position LIMIT 1").fetchone()[0]
    db.close()
    paths = {
        "thread": [f"/t/{i}-{s}" for i, s in threads[:200]],
        "thread-gzip": [f"/t/{i}-{s}" for i, s in threads[:200]],
        "random": [f"/t/{i}-{s}" for i, s in threads],
        "home": ["/"],
        "topic": [f"/topics/{topic}"],
        "search": ["/search?q=" + urllib.parse.quote(q) for q in COMMON_WORDS],
    }[args.row]

    builds = [("A", args.a, 18943, os.environ.get("SERVE_ARGS_A", ""), args.data),
              ("B", args.b, 18944, os.environ.get("SERVE_ARGS_B", ""), data_b)]
    servers, scripts = [], {}
    try:
        for name, binary, port, extra, data in builds:
            log = open(os.path.join(work, f"server-{name}.log"), "w")
            servers.append(start_server(binary, data, port, cert, key, 0, extra, log))
            headers = sign_in(port, member, password)
            if args.row == "thread-gzip":
                headers["Accept-Encoding"] = "gzip"  # as a browser asks (pages.sh's gzip row)
            scripts[name] = lua_script(work, f"row-{name}", paths, headers)
        for (name, _, port, _, _), server in zip(builds, servers):
            wrk(f"https://127.0.0.1:{port}", scripts[name], args.seconds, 64, 1)  # warm-up, not counted
        results = {"A": [], "B": []}
        for pair in range(args.pairs):
            line = []
            # A then B, then B then A: each build runs first in half the pairs, so neither gains
            # from where in a pair it runs.
            order = list(zip(builds, servers))
            if pair % 2 == 1:
                order.reverse()
            for (name, _, port, _, _), server in order:
                before = cpu_seconds(server.pid)
                run = wrk(f"https://127.0.0.1:{port}", scripts[name], args.seconds, 64, 1)
                used = cpu_seconds(server.pid) - before
                run["cpu_us"] = used * 1e6 / max(1, run["total"])
                assert run["bad"] == 0, f"{name}: {run['bad']} answers were not 2xx or 3xx"
                results[name].append(run)
                line.append(f"{name} {run['rps']:,.0f} req/s, p99 {run['p99']:.2f} ms, {run['cpu_us']:.1f} µs")
            print(f"pair {pair + 1}: " + " | ".join(sorted(line)), flush=True)
        differences = [b["cpu_us"] - a["cpu_us"] for a, b in zip(results["A"], results["B"])]
        for name in ("A", "B"):
            runs = results[name]
            print(f"{name}: median {statistics.median(r['cpu_us'] for r in runs):.1f} µs a request, "
                  f"{statistics.median(r['rps'] for r in runs):,.0f} req/s, p99 {statistics.median(r['p99'] for r in runs):.2f} ms")
        print(f"B - A: median {statistics.median(differences):+.1f} µs within pairs; "
              f"B cheaper in {sum(d < 0 for d in differences)} of {len(differences)}")
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
