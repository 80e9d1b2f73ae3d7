"""A real SMTP server for the tests (aiosmtpd, in-process), with programmable faults:
temporary (4xx) and permanent (5xx) replies, dropped connections, STARTTLS and AUTH."""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import subprocess
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

__all__ = ["FaultyHandler", "SmtpServer", "self_signed_cert"]


@dataclass
class FaultyHandler:
    """Replies by recipient: ``faults[address]`` is a list of replies used one per
    attempt ("451 ...", "550 ...", "drop"); then the message is accepted."""

    faults: dict[str, list[str]] = field(default_factory=dict)
    every_nth_temporary: int = 0  # also answer 451 to every n-th message (0: never)
    received: list[Any] = field(default_factory=list)
    attempts: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)
    _count: int = 0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        rcpt = envelope.rcpt_tos[0]
        with self.lock:
            self.attempts[rcpt] += 1
            self._count += 1
            plan = self.faults.get(rcpt, [])
            step = plan.pop(0) if plan else None
            if (
                step is None
                and self.every_nth_temporary
                and self._count % self.every_nth_temporary == 0
            ):
                step = "451 4.3.0 try again later"
        if step == "drop":
            server.transport.close()  # the connection drops mid-conversation
            return "421 4.3.0 closing"
        if step:
            return step
        message = email.message_from_bytes(envelope.content, policy=email.policy.SMTP)
        with self.lock:
            self.received.append(message)
        return "250 2.0.0 OK"

    def message_ids(self) -> Counter[str]:
        return Counter(str(m["Message-ID"]) for m in self.received)


class SmtpServer:
    def __init__(
        self,
        handler: FaultyHandler | None = None,
        *,
        tls_cert: Path | None = None,
        tls_key: Path | None = None,
        users: dict[str, str] | None = None,
    ) -> None:
        self.handler = handler or FaultyHandler()
        kwargs: dict[str, Any] = {}
        if tls_cert and tls_key:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(tls_cert), str(tls_key))
            kwargs.update(tls_context=context, require_starttls=True)
        if users is not None:

            def authenticate(
                server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
            ) -> AuthResult:
                ok = (
                    isinstance(auth_data, LoginPassword)
                    and users.get(auth_data.login.decode()) == auth_data.password.decode()
                )
                return AuthResult(success=ok, handled=False)

            kwargs.update(
                authenticator=authenticate, auth_required=True, auth_require_tls=bool(tls_cert)
            )
        self._port = _free_port()
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self._port, **kwargs)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    @property
    def port(self) -> int:
        return self._port


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def self_signed_cert(folder: Path) -> tuple[Path, Path]:
    cert, key = folder / "cert.pem", folder / "key.pem"
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
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key
