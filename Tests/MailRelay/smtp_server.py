"""A real SMTP server (aiosmtpd) on loopback for the Mail tests.

Prints "PORT <n>" on stdout once listening, then serves until killed. Each accepted message is
written to OUT/<n>.eml (the DATA content, dot-stuffing removed) with OUT/<n>.json holding the
envelope and whether the session was over TLS and authenticated.

    smtp_server.py --out DIR [--host 127.0.0.1] [--security none|starttls|tls]
                   [--cert PEM --key PEM] [--auth PLAIN|LOGIN|ANY]
                   [--rcpt-reply "450 ..."] [--data-reply "554 ..."]
"""

import argparse
import asyncio
import json
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP, AuthResult

USER = b"mailer"
PASSWORD = b"s3cret pass"


class Handler:
    def __init__(self, out, rcpt_reply, data_reply):
        self.out = out
        self.rcpt_reply = rcpt_reply
        self.data_reply = data_reply
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_reply:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.data_reply:
            return self.data_reply
        self.count += 1
        base = os.path.join(self.out, str(self.count))
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        meta = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "authenticated": bool(session.authenticated),
            "helo": session.host_name,
        }
        with open(base + ".json", "w") as f:
            json.dump(meta, f)
        # The .eml appears last and whole, so a test that sees it can read everything.
        os.rename(base + ".eml.tmp", base + ".eml")
        return "250 Message accepted"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == USER and auth_data.password == PASSWORD
    # handled=False: aiosmtpd then answers 535 itself (handled=True would mean "already replied").
    return AuthResult(success=ok, handled=False)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--security", choices=["none", "starttls", "tls"], default="none")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--auth", choices=["PLAIN", "LOGIN", "ANY"])
    parser.add_argument("--rcpt-reply")
    parser.add_argument("--data-reply")
    args = parser.parse_args()

    context = None
    if args.security != "none":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    handler = Handler(args.out, args.rcpt_reply, args.data_reply)
    options = {}
    if args.auth:
        excluded = {"PLAIN": ["LOGIN"], "LOGIN": ["PLAIN"], "ANY": []}[args.auth]
        options.update(
            authenticator=authenticator,
            auth_required=True,
            # aiosmtpd only counts STARTTLS as TLS; implicit TLS and the plaintext loopback
            # test must allow AUTH without it.
            auth_require_tls=args.security == "starttls",
            auth_exclude_mechanism=excluded,
        )

    def factory():
        return SMTP(
            handler,
            hostname="test.relay",
            tls_context=context if args.security == "starttls" else None,
            require_starttls=args.security == "starttls",
            **options,
        )

    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        factory, host=args.host, port=0, ssl=context if args.security == "tls" else None
    )
    port = server.sockets[0].getsockname()[1]
    print(f"PORT {port}", flush=True)
    async with server:
        await server.serve_forever()


def exit_when_parent_goes():
    """The test keeps our stdin open; EOF means it ended (even by a crash), so stop."""
    sys.stdin.buffer.read()
    os._exit(0)


if __name__ == "__main__":
    # The Swift test runner spawns us with most signals blocked; let SIGTERM work.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, signal.valid_signals())
    threading.Thread(target=exit_when_parent_goes, daemon=True).start()
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
