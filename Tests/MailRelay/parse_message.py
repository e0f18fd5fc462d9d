"""Parses an RFC 5322 message with Python's email package (policy=default) and prints what the
Mail tests check, as JSON: the structure, decoded headers and parts, defects, longest line."""

import email
import email.policy
import json
import sys

raw = open(sys.argv[1], "rb").read()
message = email.message_from_bytes(raw, policy=email.policy.default)


def mailbox(name):
    header = message[name]
    if header is None:
        return None
    addresses = header.addresses
    return {
        "display_name": addresses[0].display_name if addresses else None,
        "addr_spec": addresses[0].addr_spec if addresses else None,
        "count": len(addresses),
    }


parts = []
defects = [str(d) for d in message.defects]
if message.is_multipart():
    for part in message.iter_parts():
        defects += [str(d) for d in part.defects]
        parts.append({
            "content_type": part.get_content_type(),
            "charset": part.get_content_charset(),
            "transfer_encoding": part.get("Content-Transfer-Encoding"),
            # The wire's CRLF line ends survive decoding; the tests compare with "\n" text.
            "content": part.get_content().replace("\r\n", "\n"),
        })

lines = raw.split(b"\r\n")
print(json.dumps({
    "content_type": message.get_content_type(),
    "subject": message["Subject"],
    "from": mailbox("From"),
    "to": mailbox("To"),
    "message_id": message["Message-ID"],
    "in_reply_to": message["In-Reply-To"],
    "references": message["References"],
    "date": message["Date"],
    "mime_version": message["MIME-Version"],
    "list_unsubscribe": message["List-Unsubscribe"],
    "list_unsubscribe_post": message["List-Unsubscribe-Post"],
    "header_names": list(message.keys()),
    "parts": parts,
    "defects": defects,
    "max_line": max(len(line) for line in lines),
    "bare_lf": b"\n" in raw.replace(b"\r\n", b""),
    "bare_cr": b"\r" in raw.replace(b"\r\n", b""),
}))
