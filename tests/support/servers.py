"""Real servers on loopback for the alert tests: an SMTP server (aiosmtpd, with AUTH) that
keeps every message it receives, and an HTTP server (http.server in a thread) that keeps
every JSON body posted to it and can be told to be "down" (HTTP 503)."""

from __future__ import annotations

import json
import socket
import threading
import warnings
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SMTP_USER, SMTP_PASSWORD = "alerts", "s3cret-smtp"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def self_signed(where) -> tuple[str, str]:
    """A certificate and key for 127.0.0.1 (openssl), for the STARTTLS test."""
    import subprocess

    cert, key = str(where / "cert.pem"), str(where / "key.pem")
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            key,
            "-out",
            cert,
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


class SmtpServer:
    def __init__(self, *, tls: tuple[str, str] | None = None) -> None:
        from aiosmtpd.controller import Controller
        from aiosmtpd.smtp import AuthResult

        self.messages: list[EmailMessage] = []
        self.logins: list[str] = []
        server = self

        class Handler:
            async def handle_DATA(self, srv, session, envelope):  # noqa: N802 - aiosmtpd API
                msg = message_from_bytes(envelope.content, policy=policy.default)
                server.messages.append(msg)
                return "250 OK"

        def authenticator(srv, session, envelope, mechanism, auth_data):
            ok = auth_data.login == SMTP_USER.encode() and auth_data.password == (
                SMTP_PASSWORD.encode()
            )
            if ok:
                self.logins.append(auth_data.login.decode())
            return AuthResult(success=ok)

        self.port = free_port()
        warnings.filterwarnings("ignore", message="Requiring AUTH while not requiring TLS")
        self._controller = Controller(
            Handler(),
            hostname="127.0.0.1",
            port=self.port,
            authenticator=authenticator,
            auth_require_tls=tls is not None,
            auth_required=True,
            **(self._tls(tls) if tls else {}),
        )

    @staticmethod
    def _tls(tls: tuple[str, str]) -> dict:
        import ssl

        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(*tls)
        return {"tls_context": context, "require_starttls": True}

    def __enter__(self) -> SmtpServer:
        self._controller.start()
        return self

    def __exit__(self, *exc) -> None:
        self._controller.stop()


class WebhookServer:
    """POST /anything with a JSON body: kept in ``received`` as (path, body)."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict]] = []
        self.down = False
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server API
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if server.down:
                    self.send_response(503)
                    self.end_headers()
                    return
                server.received.append((self.path, json.loads(body)))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def bodies(self, path: str) -> list[dict]:
        return [b for p, b in self.received if p == path]

    def __enter__(self) -> WebhookServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
