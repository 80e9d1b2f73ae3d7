"""The one exception tree of Council Monitor.

Every failure the service can meet is one of these; library exceptions are translated at
the boundary (``raise FetchError(...) from exc``) so that callers never see an
``httpx``, ``feedparser`` or ``sqlalchemy`` exception.  Each class carries a stable
``code`` (a short snake_case string) that is stored on the source, shown to operators and
used to decide back-off.

    MonitorError
    ├── ConfigError            a setting or a source declaration is invalid (names the key)
    ├── FetchError             fetching a URL failed
    │   ├── TransientFetchError    worth retrying soon: timeouts, 5xx, 429, 408, resets
    │   ├── BlockedError           refused: 401/403, robots.txt, private address, firewall
    │   ├── GoneError              404 / 410: the address no longer exists
    │   └── TooLargeError          the body exceeded the size cap (also gzip/brotli bombs)
    ├── ParseError             a body could not be read as what it claims to be
    ├── StoreError             the database refused or failed
    │   └── QueryError             a malformed search query (a user error, not a bug)
    ├── ClassifierError        the model could not load or score
    └── DeliveryError          an email could not be delivered
"""

from __future__ import annotations

__all__ = [
    "BlockedError",
    "ClassifierError",
    "ConfigError",
    "DeliveryError",
    "FetchError",
    "GoneError",
    "MonitorError",
    "ParseError",
    "QueryError",
    "StoreError",
    "TooLargeError",
    "TransientFetchError",
]


class MonitorError(Exception):
    """Base class of every error this service raises on purpose."""

    code: str = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.code


class ConfigError(MonitorError):
    """A setting, an environment override or a source declaration is invalid."""

    code = "config_invalid"

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(f"{key}: {message}" if key else message)
        self.key = key


class FetchError(MonitorError):
    """Fetching a URL failed; ``code`` says how (``http_404``, ``tls_error``...)."""

    code = "fetch_failed"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        url: str | None = None,
        status: int | None = None,
    ) -> None:
        super().__init__(message, code=code)
        self.url = url
        self.status = status


class TransientFetchError(FetchError):
    """A failure worth retrying later: timeouts, 5xx, 429, 408, dropped connections.

    ``retry_after_s`` carries the server's ``Retry-After`` when it sent one.
    """

    code = "transient"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        url: str | None = None,
        status: int | None = None,
        retry_after_s: float | None = None,
    ) -> None:
        super().__init__(message, code=code, url=url, status=status)
        self.retry_after_s = retry_after_s


class BlockedError(FetchError):
    """The request was refused or must not be made (403, robots.txt, private address)."""

    code = "blocked"


class GoneError(FetchError):
    """The address answered 404 or 410."""

    code = "gone"


class TooLargeError(FetchError):
    """The decoded body was larger than ``fetch.max_body_bytes``."""

    code = "too_large"


class ParseError(MonitorError):
    """A body could not be parsed as what it claims to be (feed, page, PDF...)."""

    code = "parse_failed"


class StoreError(MonitorError):
    """The database failed or refused an operation."""

    code = "store_failed"


class QueryError(StoreError):
    """A search query could not be understood; the message is shown to the user."""

    code = "bad_query"


class ClassifierError(MonitorError):
    """The classifier could not be loaded or could not score an input."""

    code = "classifier_failed"


class DeliveryError(MonitorError):
    """An email could not be handed to the SMTP server; ``transient`` when trying again
    later may work (a 4xx reply, a dropped connection)."""

    code = "delivery_failed"

    def __init__(self, message: str, *, code: str | None = None, transient: bool = False) -> None:
        super().__init__(message, code=code)
        self.transient = transient
