#!/usr/bin/env python3
"""Memory per idle keep-alive connection, measured as server RSS growth.

    python3 Benchmarks/idle_connections.py            # 10,000 plain and 10,000 TLS connections

Starts the release `mutuals serve` (build it first: swift build -c release), opens N
connections, makes one request on each so it is a real kept-alive connection (TLS handshake
done), then leaves them idle and reads the server's VmRSS. Prints KB per connection.
"""
import argparse
import os
import resource
import socket
import ssl
import subprocess
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def request(sock):
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n\r\n")
    data = b""
    while b"\r\n\r\nok\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            raise RuntimeError("server closed the connection")
        data += chunk


def measure(binary, tls, count, port):
    data = tempfile.mkdtemp(prefix="mutuals-idle-")
    args = [binary, "serve", "--data", data, "--port", str(port), "--http-port", "0",
            "--idle-timeout", "900", "--access-log", "off",
            "--public", os.path.join(ROOT, "Public"), "--templates", os.path.join(ROOT, "Templates")]
    if not tls:
        args.append("--no-tls")
    server = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in server.stdout:
            if "serving" in line:
                break
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE

        def connect():
            sock = socket.create_connection(("127.0.0.1", port))
            if tls:
                sock = context.wrap_socket(sock, server_hostname="localhost")
            request(sock)
            return sock

        # Warm up allocator arenas and caches, then take the baseline.
        warm = [connect() for _ in range(200)]
        for sock in warm:
            sock.close()
        time.sleep(0.5)
        before = rss_kb(server.pid)
        held = []
        started = time.time()
        for _ in range(count):
            held.append(connect())
        elapsed = time.time() - started
        time.sleep(1.0)
        after = rss_kb(server.pid)
        # Every connection must still be alive and answering.
        for sock in held[:: max(1, count // 100)]:
            request(sock)
        per = (after - before) / count
        return before, after, per, elapsed
    finally:
        server.terminate()
        server.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--binary", default=os.path.join(ROOT, ".build/release/mutuals"))
    options = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    print(f"| transport | connections | RSS before (MB) | RSS after (MB) | KB per idle connection |")
    print(f"|---|---:|---:|---:|---:|")
    for tls, port in ((False, 18701), (True, 18702)):
        before, after, per, _ = measure(options.binary, tls, options.count, port)
        print(f"| {'TLS' if tls else 'plain TCP'} | {options.count} | {before / 1024:.1f} | {after / 1024:.1f} | {per:.2f} |")


if __name__ == "__main__":
    main()
