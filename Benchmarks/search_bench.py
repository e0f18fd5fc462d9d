#!/usr/bin/env python3
"""Driver for Benchmarks/search.sh: search latency by query class and page latency while
many SSE streams are open. Talks plain HTTP to a `mutuals serve --no-tls` it starts itself."""
import argparse
import http.client
import os
import re
import resource
import socket
import subprocess
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


def wrk(url, seconds):
    out = subprocess.run(["wrk", "-t1", "-c32", f"-d{seconds}s", "--latency", url], capture_output=True, text=True).stdout
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"50%\s+([\d.]+\w+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    return (rps.group(1) if rps else "?", p50.group(1) if p50 else "?", p99.group(1) if p99 else "?")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--posts", type=int, default=1000000)
    parser.add_argument("--samples", type=int, default=500)
    parser.add_argument("--streams", type=int, default=2000)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, args.streams + 1024)), hard))

    port = free_port()
    server = subprocess.Popen([args.bin, "serve", "--data", args.data, "--host", "127.0.0.1", "--port", str(port), "--no-tls",
                               "--public", os.path.join(ROOT, "Public"), "--templates", os.path.join(ROOT, "Templates"),
                               "--access-log", "off",
                               # Every stream comes from 127.0.0.1: lift the per-address cap (default 32) above them.
                               "--streams-per-address", str(args.streams + 64)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.1)
        # Query classes. ScaleSeed's text comes from Sources/Board/Words.swift: the most frequent
        # words are common, the tail rare; phrases are adjacent pairs; prefixes cut words short.
        classes = {
            "common word": ["the", "board", "staff", "contract", "we"],
            "rare word": ["kingsmead", "fenland", "overdraft", "articles", "fortnightly"],
            "phrase": ['"shadow board"', '"working capital"', '"performance bond"', '"tupe consultation"', '"break clause"'],
            "prefix": ["commiss*", "gov*", "pens*", "transf*", "tend*"],
        }
        # Filtered searches of a very common word (query strings as sent). The first class is
        # answered exactly (the author's posts, the few answered threads) or within the newest
        # matches; the last asks for old posts only, so the search widens to its limit and says
        # its results are partial. ScaleSeed's posts are dated 2010-2012; its users memberN.
        filtered = {
            "filtered": ["q=the&author=member42", "q=the&answered=mentor", "q=the&topic=capital-and-finance",
                         "q=the&organisation=central-surrey-health", "q=board&from=2012-01-01"],
            "filtered to old posts (partial)": ["q=board&from=2010-01-01&to=2010-06-30"],
        }
        queries_by_class = {name: ["q=" + urllib.parse.quote_plus(q) for q in queries] for name, queries in classes.items()}
        queries_by_class.update(filtered)
        examples = {name: ", ".join(queries) for name, queries in classes.items()}
        examples.update({name: ", ".join(f"`{q}`" for q in queries) for name, queries in filtered.items()})
        rows = []
        conn = http.client.HTTPConnection("127.0.0.1", port)
        for name, queries in queries_by_class.items():
            times = []
            for i in range(args.samples):
                q = queries[i % len(queries)]
                start = time.perf_counter()
                conn.request("GET", "/search?" + q)
                response = conn.getresponse()
                response.read()
                times.append((time.perf_counter() - start) * 1000)
                if response.status not in (200, 422):
                    raise SystemExit(f"{q}: HTTP {response.status}")
            rows.append((name, examples[name], percentile(times, 0.5), percentile(times, 0.99), max(times)))
        conn.close()

        # Threads a visitor may read, from the home page's links: streams and the thread page.
        conn = http.client.HTTPConnection("127.0.0.1", port)
        conn.request("GET", "/")
        home = conn.getresponse().read().decode()
        conn.close()
        threads = list(dict.fromkeys(re.findall(r'href="(/t/\d+[^"#?]*)"', home)))
        if not threads:
            raise SystemExit("no thread links on the home page")
        pages = {"home page": f"http://127.0.0.1:{port}/", "thread page": f"http://127.0.0.1:{port}{threads[0]}"}
        alone = {name: wrk(url, args.seconds) for name, url in pages.items()}
        streams = []
        for i in range(args.streams):
            s = socket.create_connection(("127.0.0.1", port))
            thread_id = re.match(r"/t/(\d+)", threads[i % len(threads)]).group(1)
            s.sendall(f"GET /t/{thread_id}/live HTTP/1.1\r\nHost: localhost\r\n\r\n".encode())
            streams.append(s)
        opened = 0
        for s in streams:
            s.settimeout(10)
            if s.recv(4096).startswith(b"HTTP/1.1 200"):
                opened += 1
        loaded = {name: wrk(url, args.seconds) for name, url in pages.items()}
        still_open = 0
        for s in streams:
            s.setblocking(False)
            try:
                still_open += 1 if s.recv(65536) != b"" else 0
            except BlockingIOError:
                still_open += 1
            except OSError:
                pass
            s.close()

        lines = [f"Search at {args.posts} posts ({args.samples} requests per class, HTTP request to last byte, page rendered):", "",
                 "| queries | examples | p50 | p99 | max |", "| --- | --- | --- | --- | --- |"]
        for name, examples, p50, p99, top in rows:
            lines.append(f"| {name} | {examples} | {p50:.2f} ms | {p99:.2f} ms | {top:.2f} ms |")
        lines += ["", f"Pages under wrk (1 thread, 32 keep-alive connections, {args.seconds} s), alone and while "
                  f"{opened} of {args.streams} SSE streams were open ({still_open} still open after the load):", "",
                  "| page | condition | requests/s | p50 | p99 |", "| --- | --- | --- | --- | --- |"]
        for name in pages:
            lines.append(f"| {name} | no streams | {alone[name][0]} | {alone[name][1]} | {alone[name][2]} |")
            lines.append(f"| {name} | {opened} SSE streams open | {loaded[name][0]} | {loaded[name][1]} | {loaded[name][2]} |")
        text = "\n".join(lines)
        print(text)
        os.makedirs(os.path.join(ROOT, "Benchmarks", "out"), exist_ok=True)
        with open(os.path.join(ROOT, "Benchmarks", "out", "search-results.md"), "w") as f:
            f.write(text + "\n")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
