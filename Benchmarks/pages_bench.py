#!/usr/bin/env python3
"""Driver for Benchmarks/pages.sh. Starts the release server and nginx (each pinned to one CPU),
saves the pages the server gives visitors as files for nginx, signs a demo member in (and saves
the member's thread pages for nginx too), and runs wrk rows over HTTPS with keep-alive. See
pages.sh for the set-up it expects."""
import argparse
import http.client
import os
import random
import re
import shutil
import sqlite3
import ssl
import subprocess
import tempfile
import threading
import time
import urllib.parse

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SEARCHES = ["pension", "governance", "staff", "board", "contract", "commissioning", "the", "members",
            "\"staff council\"", "\"pension scheme\"", "commiss*", "govern*", "zebra", "tupe", "spin*"]
# The search target is for a common word: the single words of SEARCHES found in many posts.
COMMON_WORDS = ["pension", "governance", "staff", "board", "contract", "the", "members", "tupe"]


def sh(*args, **kw):
    return subprocess.run(list(args), check=True, capture_output=True, text=True, **kw).stdout


class Client:
    """One keep-alive HTTPS connection with a cookie jar, for setting the benchmark up."""

    def __init__(self, port):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        self.port = port
        self.conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=30)
        self.cookies = {}

    def request(self, method, path, body=None, headers=None):
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if body is not None:
            h["Content-Type"] = "application/x-www-form-urlencoded"
            h["Origin"] = f"https://127.0.0.1:{self.port}"
            body = urllib.parse.urlencode(body)
        self.conn.request(method, path, body=body, headers=h)
        response = self.conn.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = value.partition("=")
            self.cookies[name] = rest.split(";")[0]
        return response.status, response.headers, data


def csrf(html):
    match = re.search(rb'name="csrf" value="([^"]+)"', html)
    return match.group(1).decode() if match else None


def parse_wrk(out):
    def ms(value):
        number = float(re.match(r"[\d.]+", value).group(0))
        if value.endswith("us"):
            return number / 1000
        if value.endswith("ms"):
            return number
        if value.endswith("s"):
            return number * 1000
        return number
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = re.search(r"(\d+) requests in", out)
    return {
        "rps": float(rps.group(1)) if rps else 0.0,
        "p50": ms(p50.group(1)) if p50 else float("nan"),
        "p99": ms(p99.group(1)) if p99 else float("nan"),
        "bad": int(non2xx.group(1)) if non2xx else 0,
        "total": int(total.group(1)) if total else 0,
    }


def lua_script(work, name, paths, headers, post=None):
    """A wrk script rotating over `paths` with `headers`; `post` = (paths, body template, every)."""
    path = os.path.join(work, name + ".lua")
    with open(path, "w") as f:
        f.write("paths = {" + ",".join('"%s"' % p for p in paths) + "}\n")
        f.write("i = 0\n")
        for key, value in headers.items():
            f.write('wrk.headers["%s"] = "%s"\n' % (key, value))
        if post:
            post_paths, body, _ = post
            f.write("posts = {" + ",".join('"%s"' % p for p in post_paths) + "}\n")
            f.write("n = 0\n")
            f.write("request = function()\n  n = n + 1\n")
            f.write('  local body = string.format("%s", n, math.random(1000000000))\n' % body)
            # wrk.format sends only the headers it is given when given any: the session cookie and
            # Origin of wrk.headers go with the form's Content-Type (without them every POST was
            # a signed-out one, answered with the way to sign in, and no reply was posted).
            f.write('  local headers = {}\n  for key, value in pairs(wrk.headers) do headers[key] = value end\n')
            f.write('  headers["Content-Type"] = "application/x-www-form-urlencoded"\n')
            f.write('  return wrk.format("POST", posts[(n % #posts) + 1], headers, body)\nend\n')
        else:
            f.write("request = function()\n  i = i + 1\n  return wrk.format(nil, paths[(i % #paths) + 1])\nend\n")
    return path


def wrk(url, script, seconds, connections, cpu, delay_ms=None):
    args = ["taskset", "-c", str(cpu), "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", script, url]
    if delay_ms is not None:
        # A fixed pause before each request on each connection (wrk's `delay` hook): a paced load.
        with open(script, "a") as f:
            f.write("delay = function() return %d end\n" % delay_ms)
    return parse_wrk(subprocess.run(args, capture_output=True, text=True).stdout)


def cpu_seconds(pid):
    """User plus system CPU time the process has used so far (all its threads)."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def writes(pid):
    """write(2) calls the process has made so far (/proc/PID/io `syscw`): one a response on the
    read-only rows (the reactor gathers a response's TLS records into one write)."""
    with open(f"/proc/{pid}/io") as f:
        fields = dict(line.split(":", 1) for line in f)
    return int(fields["syscw"])


class Spans(threading.Thread):
    """While a row runs, the server's CPU a response in each `every` seconds: how steady the
    machine was. On a shared VM the same work has cost twice as much in one quarter second as
    in the next (docs/PERFORMANCE.md, twenty-first round), and the p99 follows the slow spans.
    The CPU comes from /proc in clock ticks (10 ms), so each span is good to about 4%."""

    def __init__(self, pid, every=0.25):
        super().__init__(daemon=True)
        self.pid, self.every, self.costs = pid, every, []
        self.done = threading.Event()

    def run(self):
        cpu, count = cpu_seconds(self.pid), writes(self.pid)
        while not self.done.wait(self.every):
            cpu2, count2 = cpu_seconds(self.pid), writes(self.pid)
            if count2 - count >= 50:
                self.costs.append((cpu2 - cpu) * 1e6 / (count2 - count))
            cpu, count = cpu2, count2

    def spread(self):
        """p10–p90 of the spans' µs a response, as text ("" with too few spans)."""
        self.done.set()
        self.join()
        costs = sorted(self.costs)
        if len(costs) < 5:
            return ""
        return f"{costs[len(costs) // 10]:,.0f}–{costs[len(costs) * 9 // 10]:,.0f}"


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["RssAnon"].split()[0]) / 1024


def certificate(work):
    """A throw-away P-256 certificate for 127.0.0.1 in `work`: (cert path, key path)."""
    cert, key = os.path.join(work, "cert.pem"), os.path.join(work, "key.pem")
    sh("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
       "-subj", "/CN=127.0.0.1", "-keyout", key, "-out", cert)
    return cert, key


def start_server(binary, data, port, cert, key, cpu, extra, log):
    """`mutuals serve` pinned to `cpu` on `port` over TLS, with `extra` options, once it answers."""
    server = subprocess.Popen(["taskset", "-c", str(cpu), binary, "serve", "--data", data, "--host", "127.0.0.1",
                               "--port", str(port), "--http-port", "0", "--tls-cert", cert, "--tls-key", key,
                               "--access-log", "off", "--visitor-rate", "0",
                               "--public", os.path.join(ROOT, "Public"), "--templates", os.path.join(ROOT, "Templates"),
                               *extra.split()], stdout=log, stderr=subprocess.STDOUT)
    for _ in range(600):
        try:
            Client(port).request("GET", "/healthz")
            return server
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit(f"the server on port {port} did not start (see {log.name})")


DRAW_SEED = int(os.environ.get("SEED", "14"))


def seeded_draw(db):
    """5,000 public threads (id, slug) in the same random order every run (SEED, 14 by default);
    the signed-in rows read the first 200. A draw of 200 threads has 9.8 to 11.5 posts on its
    first pages on average (11.3 over all threads), and a page's cost follows its posts, so a
    fresh draw each run moved the signed-in rows by itself."""
    eligible = db.execute("""SELECT id, slug FROM threads WHERE organisation_id IS NULL AND hidden = 0
                             AND held = 0 ORDER BY id""").fetchall()
    return random.Random(DRAW_SEED).sample(eligible, min(5000, len(eligible)))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", required=True)
    parser.add_argument("--data", required=True)
    parser.add_argument("--seconds", type=int, default=int(os.environ.get("DURATION", "10")))
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--server-cpu", type=int, default=0)
    parser.add_argument("--client-cpu", type=int, default=1)
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="mutuals-pages.")
    cert, key = certificate(work)

    member = "sam_okafor"
    password = "benchmark-password-" + str(random.randint(10**8, 10**9))
    subprocess.run([args.bin, "user", "reset-password", member, "--data", args.data], input=password + "\n",
                   check=True, capture_output=True, text=True)

    port, nginx_port = 18743, 18843
    log = open(os.path.join(work, "server.log"), "w")
    server = start_server(args.bin, args.data, port, cert, key, args.server_cpu, os.environ.get("SERVE_ARGS", ""), log)
    nginx = None
    try:
        db = sqlite3.connect(f"file:{args.data}/mutuals.sqlite3?mode=ro", uri=True)
        threads = seeded_draw(db)
        first_pages = dict(db.execute("SELECT thread_id, min(count(*), 20) FROM posts GROUP BY thread_id"))
        draw_posts = sum(first_pages.get(i, 0) for i, _ in threads[:200]) / max(1, min(200, len(threads)))
        topic = db.execute("SELECT slug FROM topics ORDER BY position LIMIT 1").fetchone()[0]
        db.close()
        thread_paths = [f"/t/{i}-{s}" for i, s in threads]
        same200 = thread_paths[:200]

        # The visitor pages, saved as files for nginx (the same bytes, plain and gzip).
        root = os.path.join(work, "www")
        visitor = Client(port)
        saved = {}
        for path in same200 + ["/", f"/topics/{topic}", "/briefing"]:
            status, _, body = visitor.request("GET", path)
            assert status == 200, (path, status)
            name = "index.html" if path == "/" else path.strip("/") + ".html"
            saved[path] = "/" + name
            os.makedirs(os.path.dirname(os.path.join(root, name)), exist_ok=True)
            with open(os.path.join(root, name), "wb") as f:
                f.write(body)
            sh("gzip", "-k", "-9", "-f", os.path.join(root, name))
        shutil.copytree(os.path.join(ROOT, "Public"), os.path.join(root, "static"))
        sh("gzip", "-k", "-9", "-f", os.path.join(root, "static", "site.css"))
        with open(os.path.join(work, "nginx.conf"), "w") as f:
            f.write(f"""worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/nginx-error.log;
events {{ worker_connections 4096; }}
http {{
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  types {{ text/html html; text/css css; }}
  default_type text/html;
  gzip_static on;
  ssl_certificate {cert};
  ssl_certificate_key {key};
  ssl_protocols TLSv1.2 TLSv1.3;
  ssl_session_cache shared:SSL:10m;
  server {{ listen 127.0.0.1:{nginx_port} ssl; root {root}; }}
}}
""")
        nginx = subprocess.Popen(["taskset", "-c", str(args.server_cpu), "nginx", "-c", os.path.join(work, "nginx.conf"),
                                  "-g", "daemon off; master_process off;"])
        time.sleep(0.5)

        gz = {"Accept-Encoding": "gzip"}
        # A member signed in, and the form token of their thread page (any masked token is good
        # for the whole session).
        member_client = Client(port)
        status, _, page = member_client.request("GET", "/sign-in")
        status, headers, _ = member_client.request("POST", "/sign-in", {"identifier": member, "password": password, "csrf": csrf(page)})
        assert status == 303, ("sign-in", status)
        session = member_client.cookies["__Host-session"]
        status, _, page = member_client.request("GET", same200[0])
        token = csrf(page)
        member_headers = {"Cookie": f"__Host-session={session}"}
        # The member's thread pages too, as files for nginx: the same bytes, each as the member
        # was given it (identity, and our own gzip of it), so the signed-in rows show what
        # sending those bytes over TLS costs by itself on this machine in this run.
        member_saved = {}
        for path in same200:
            name = "member" + path + ".html"
            member_saved[path] = "/" + name
            os.makedirs(os.path.dirname(os.path.join(root, name)), exist_ok=True)
            for suffix, extra in (("", {}), (".gz", gz)):
                status, got, body = member_client.request("GET", path, headers=extra)
                assert status == 200 and (not extra or got.get("Content-Encoding") == "gzip"), (path, status)
                with open(os.path.join(root, name + suffix), "wb") as f:
                    f.write(body)

        ours = f"https://127.0.0.1:{port}"
        theirs = f"https://127.0.0.1:{nginx_port}"
        s, c, scpu, ccpu = args.seconds, args.connections, args.server_cpu, args.client_cpu
        rows = []

        only = re.compile(os.environ["ONLY"]) if os.environ.get("ONLY") else None
        warmup = int(os.environ.get("WARMUP", "2"))

        def settle():
            # wrk stops at its deadline, but the server still answers what was queued (64 slow
            # searches are half a second of work): wait for it to go idle, so a row neither
            # starts behind the last row's queue nor counts its CPU.
            deadline = time.time() + 15
            last = cpu_seconds(server.pid)
            while time.time() < deadline:
                time.sleep(0.3)
                now = cpu_seconds(server.pid)
                if now - last < 0.01:
                    return
                last = now

        def row(name, paths, headers=None, nginx_paths=None, nginx_headers=None):
            if only and not only.search(name):
                return
            settle()
            # The same load for WARMUP seconds first, not counted: the kept sets (a page's posts,
            # a thread's header, list lines) fill in the first second of a row, which a server
            # that has been running has done; the mixed row below measures them being dropped
            # at every commit.
            script = lua_script(work, "ours", paths, headers or {})
            if warmup:
                wrk(ours, script, warmup, c, ccpu)
                settle()
            started = cpu_seconds(server.pid)
            spans = Spans(server.pid)
            spans.start()
            result = wrk(ours, script, s, c, ccpu)
            # CPU a request: the server's own time, so it holds when the machine is busy.
            result["cpu_us"] = (cpu_seconds(server.pid) - started) * 1e6 / max(1, result["total"])
            result["spans"] = spans.spread()
            other = None
            if nginx_paths:
                nginx_started = cpu_seconds(nginx.pid)
                other = wrk(theirs, lua_script(work, "nginx", nginx_paths, nginx_headers or headers or {}), s, c, ccpu)
                other["cpu_us"] = (cpu_seconds(nginx.pid) - nginx_started) * 1e6 / max(1, other["total"])
            rows.append((name, result, other))
            print(name, result, other, flush=True)

        # Warm the cache and the page cache of the OS first.
        wrk(ours, lua_script(work, "warm", thread_paths, {}), 3, c, ccpu)
        before = rss_mb(server.pid)
        row("static /static/site.css (gzip)", ["/static/site.css"], gz, ["/static/site.css"])
        row("signed out: thread, the same 200 pages", same200, {}, [saved[p] for p in same200])
        row("signed out: thread, the same 200 pages (gzip)", same200, gz, [saved[p] for p in same200])
        row("signed out: thread, random of 5,000", thread_paths, {})
        row("signed out: home", ["/"], {}, [saved["/"]])
        row(f"signed out: topic", [f"/topics/{topic}"], {}, [saved[f"/topics/{topic}"]])
        row("signed out: briefing", ["/briefing"], {}, [saved["/briefing"]])
        row("signed in: thread, the same 200 pages", same200, member_headers, [member_saved[p] for p in same200])
        # As a browser asks: with Accept-Encoding, so each page is compressed as it is made.
        row("signed in: thread, the same 200 pages (gzip)", same200, {**member_headers, **gz},
            [member_saved[p] for p in same200])
        row("signed in: thread, random of 5,000", thread_paths, member_headers)
        row("signed in: home", ["/"], member_headers)
        row("signed in: topic", [f"/topics/{topic}"], member_headers)
        row("search, 15 queries mixed (signed in)", ["/search?q=" + urllib.parse.quote(q) for q in SEARCHES], member_headers)
        row("search, 8 common words (signed in)", ["/search?q=" + q for q in COMMON_WORDS], member_headers)

        # Mixed: members read thread pages while replies are posted at one in twenty requests.
        # Two wrk processes run at once on the client CPU: 60 connections of GETs, and 4 of paced
        # POSTs whose pace is set from the signed-in GET rate above.
        signed_in = [r for name, r, _ in rows if name == "signed in: thread, the same 200 pages"]
        get_rate = (signed_in[0]["rps"] if signed_in else 0) or 1000
        pace_ms = max(1, int(4 * 1000 / (get_rate / 20)))
        post_body = ("body=Benchmark+reply+%d+" + "word+" * 20 + "%d&action=post&csrf=" + token)
        post_paths = [f"/t/{p.split('/')[2].split('-')[0]}/reply" for p in same200]
        post_headers = dict(member_headers, Origin=ours)
        get_script = lua_script(work, "mixed-get", same200, member_headers)
        post_script = lua_script(work, "mixed-post", same200, post_headers, post=(post_paths, post_body, 20))
        with open(post_script, "a") as f:
            f.write("delay = function() return %d end\n" % pace_ms)
        settle()
        def member_posts():
            db = sqlite3.connect(f"file:{args.data}/mutuals.sqlite3?mode=ro", uri=True)
            try:
                return db.execute("""SELECT count(*), max(p.id) FROM posts p JOIN users u ON u.id = p.author_id
                                     WHERE u.handle = ?""", (member,)).fetchone()
            finally:
                db.close()
        posts_before = member_posts()[0]
        procs = [subprocess.Popen(["taskset", "-c", str(ccpu), "wrk", "-t1", f"-c{c - 4}", f"-d{s}s", "--latency", "-s", get_script, ours],
                                  stdout=subprocess.PIPE, text=True),
                 subprocess.Popen(["taskset", "-c", str(ccpu), "wrk", "-t1", "-c4", f"-d{s}s", "--latency", "-s", post_script, ours],
                                  stdout=subprocess.PIPE, text=True)]
        gets, posts = [parse_wrk(p.communicate()[0]) for p in procs]
        after = rss_mb(server.pid)
        # Every POST a reply stored, and the newest on the next load of its page.
        posts_after, newest = member_posts()
        stored = posts_after - posts_before
        shown = "no reply"
        if newest:
            db = sqlite3.connect(f"file:{args.data}/mutuals.sqlite3?mode=ro", uri=True)
            thread_id, slug, position = db.execute("""SELECT t.id, t.slug, p.position FROM posts p JOIN threads t ON t.id = p.thread_id
                                                      WHERE p.id = ?""", (newest,)).fetchone()
            db.close()
            check = Client(port)
            check.cookies = {"__Host-session": session}
            status, _, page = check.request("GET", f"/t/{thread_id}-{slug}?page={(position - 1) // 20 + 1}")
            shown = "shown" if status == 200 and f'id="post-{newest}"'.encode() in page else f"NOT shown ({status})"

        lines = [f"{time.strftime('%Y-%m-%d')}: {args.data}, {s} s per row, {c} connections, HTTPS keep-alive, "
                 f"server on CPU {scpu}, wrk on CPU {ccpu}", "",
                 "| row | mutuals req/s | p50 ms | p99 ms | CPU µs/req | in 250 ms spans, p10–p90 | nginx req/s | nginx p99 ms | nginx CPU µs/req | ratio |",
                 "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for name, r, n in rows:
            bad = f" ({r['bad']} non-2xx)" if r["bad"] else ""
            if n:
                lines.append(f"| {name}{bad} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['cpu_us']:,.0f} | {r['spans']} | {n['rps']:,.0f} | {n['p99']:.2f} | {n['cpu_us']:,.0f} | {r['rps'] / n['rps']:.2f}× |")
            else:
                lines.append(f"| {name}{bad} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | {r['cpu_us']:,.0f} | {r['spans']} | | | | |")
        lines.append(f"| mixed, signed in: thread GETs ({c - 4} connections) | {gets['rps']:,.0f} | {gets['p50']:.2f} | {gets['p99']:.2f} | | | | | | |")
        lines.append(f"| mixed, signed in: reply POSTs (4 connections, paced to 1 in 20) | {posts['rps']:,.1f} | {posts['p50']:.2f} | {posts['p99']:.2f} | | | | | | |")
        lines.append("")
        lines.append(f"Replies a second: {posts['rps']:.1f} ({posts['total']} in {s} s; {posts['bad']} not redirected; "
                     f"{stored} stored; the newest on the next load of its page: {shown}). "
                     f"Server memory: RSS {before[0]:.0f} → {after[0]:.0f} MB, anonymous {before[1]:.0f} → {after[1]:.0f} MB. "
                     f"The 200 pages: SEED={DRAW_SEED}, {draw_posts:.2f} posts a page on average.")
        text = "\n".join(lines)
        print("\n" + text)
        os.makedirs(os.path.join(ROOT, "Benchmarks", "out"), exist_ok=True)
        with open(os.path.join(ROOT, "Benchmarks", "out", "pages-results.md"), "w") as f:
            f.write(text + "\n")
    finally:
        server.terminate()
        if nginx:
            nginx.terminate()
        server.wait()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
