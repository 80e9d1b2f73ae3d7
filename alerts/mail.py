"""Messages and SMTP.

* Headers are built by :mod:`email` with the strict ``SMTP`` policy, and every value that
  comes from scraped text is reduced to one line first: a title carrying "\\r\\nBcc: ..."
  can never add a header.
* RFC 8058 one-click unsubscribe: ``List-Unsubscribe`` (an HTTPS URL with the
  subscriber's token, and a mailto) plus ``List-Unsubscribe-Post``.
* The Message-ID is derived from the outbox idempotency key, so a message re-sent after a
  crash carries the same id and mail clients that de-duplicate by Message-ID show it once.
* SMTP failures become :class:`~monitor.errors.DeliveryError` with ``transient`` set for
  4xx replies and dropped connections (retry later) and unset for 5xx (give up).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import smtplib
import ssl
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import formatdate

from monitor.config import SmtpSettings
from monitor.errors import DeliveryError

__all__ = ["SmtpSender", "build_message", "one_line"]

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u2028\u2029]+")


def one_line(value: str, limit: int = 200) -> str:
    """A header-safe value: control characters (CR, LF...) become spaces, length capped."""
    cleaned = " ".join(_CONTROL.sub(" ", value).split())
    return cleaned[:limit]


def message_id(key: str, domain: str) -> str:
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<{digest}@{one_line(domain, 100) or 'council-monitor'}>"


def build_message(
    *,
    sender: str,
    recipient: str,
    subject: str,
    text: str,
    html: str,
    key: str,
    unsubscribe_url: str,
) -> tuple[bytes, str]:
    """The complete message and its Message-ID."""
    msg = EmailMessage(policy=SMTP)
    msg["From"] = one_line(sender)
    msg["To"] = one_line(recipient)
    msg["Subject"] = one_line(subject, 180)
    msg["Date"] = formatdate(localtime=False, usegmt=True)
    domain = sender.rsplit("@", 1)[-1] if "@" in sender else "council-monitor"
    mid = message_id(key, domain)
    msg["Message-ID"] = mid
    mailto = f"mailto:{one_line(sender)}?subject=unsubscribe"
    msg["List-Unsubscribe"] = f"<{one_line(unsubscribe_url, 500)}>, <{mailto}>"
    msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(text)
    msg.add_alternative(html, subtype="html")
    return msg.as_bytes(), mid


class SmtpSender:
    """One SMTP conversation per batch: STARTTLS when configured, authentication when a
    user name is set (the password comes only from the environment)."""

    def __init__(self, settings: SmtpSettings) -> None:
        if not settings.host:
            raise DeliveryError("smtp.host is not set: mail cannot be sent", code="smtp_unset")
        self.settings = settings
        self._conn: smtplib.SMTP | None = None

    def __enter__(self) -> SmtpSender:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            conn = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
            conn.ehlo()
            if s.starttls:
                if not conn.has_extn("starttls"):
                    conn.quit()
                    raise DeliveryError(
                        "the server does not offer STARTTLS (smtp.starttls is on)",
                        code="smtp_no_starttls",
                    )
                conn.starttls(context=ssl.create_default_context(cafile=s.ca_file or None))
                conn.ehlo()
            if s.username:
                conn.login(s.username, s.password)
            return conn
        except DeliveryError:
            raise
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(
                f"SMTP authentication failed: {exc.smtp_code}", code="smtp_auth", transient=True
            ) from exc
        except (OSError, smtplib.SMTPException) as exc:
            raise _transient(f"cannot connect to {s.host}:{s.port}: {exc}", "smtp_connect") from exc

    def send(self, sender: str, recipient: str, message: bytes) -> None:
        """Hand one message to the server; raise DeliveryError (``transient`` or not)."""
        if self._conn is None:
            self._conn = self._connect()
        try:
            refused = self._conn.sendmail(sender, [recipient], message)
        except smtplib.SMTPRecipientsRefused as exc:
            code, reply = next(iter(exc.recipients.values()))
            raise _reply_error(code, reply) from exc
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise _reply_error(exc.smtp_code, exc.smtp_error) from exc
        except (TimeoutError, smtplib.SMTPServerDisconnected, OSError) as exc:
            self._conn = None
            raise _transient(f"connection lost: {exc}", "smtp_disconnected") from exc
        if refused:
            code, reply = next(iter(refused.values()))
            raise _reply_error(code, reply)

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError, smtplib.SMTPException):
                self._conn.quit()
            self._conn = None


def _transient(message: str, code: str) -> DeliveryError:
    return DeliveryError(message, code=code, transient=True)


def _reply_error(code: int, reply: bytes | str) -> DeliveryError:
    text = reply.decode(errors="replace") if isinstance(reply, bytes) else str(reply)
    if 400 <= code < 500:
        return _transient(f"SMTP {code}: {text}", f"smtp_{code}")
    return DeliveryError(f"SMTP {code}: {text}", code=f"smtp_{code}", transient=False)
