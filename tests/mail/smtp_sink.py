"""A real SMTP server for Mandant's mail tests (aiosmtpd).

Usage: smtp_sink.py PORT OUT_DIR [CERT KEY]. With a certificate and key it
offers STARTTLS. Each accepted message is parsed with
Python's own e-mail package and written to OUT_DIR as <n>.json (envelope,
headers, decoded text and HTML parts) beside the raw <n>.eml. A recipient
at @reject.example is refused for good (550). Runs until stdin closes, so
it dies with the test that started it.
"""

import json
import os
import sys
from email import policy
from email.parser import BytesParser

from aiosmtpd.controller import Controller


class Sink:
    def __init__(self, out):
        self.out = out
        self.n = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower().endswith("@reject.example"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.n += 1
        raw = envelope.original_content or envelope.content
        msg = BytesParser(policy=policy.default).parsebytes(raw)
        text = msg.get_body(preferencelist=("plain",))
        html = msg.get_body(preferencelist=("html",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "from": str(msg["from"]),
            "to": str(msg["to"]),
            "subject": str(msg["subject"]),
            "message_id": str(msg["message-id"]),
            "reply_to": str(msg["reply-to"] or ""),
            "attachments": [
                {
                    "filename": part.get_filename(),
                    "content_type": part.get_content_type(),
                    "content": part.get_payload(decode=True).decode("utf-8", "replace"),
                }
                for part in msg.iter_attachments()
            ],
            "text": text.get_content() if text else "",
            "html": html.get_content() if html else "",
        }
        base = os.path.join(self.out, f"{self.n:05d}")
        with open(base + ".eml", "wb") as f:
            f.write(raw)
        with open(base + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(base + ".tmp", base + ".json")
        return "250 Message accepted for delivery"


def main():
    port, out = int(sys.argv[1]), sys.argv[2]
    tls = None
    if len(sys.argv) == 5:
        import ssl

        tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        tls.load_cert_chain(sys.argv[3], sys.argv[4])
    controller = Controller(Sink(out), hostname="127.0.0.1", port=port, tls_context=tls)
    controller.start()
    print("ready", flush=True)
    sys.stdin.read()
    controller.stop()


if __name__ == "__main__":
    main()
