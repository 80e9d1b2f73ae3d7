"""Typed settings: built-in defaults, then ``config.toml``, then ``MONITOR_<SECTION>_<KEY>``.

Every setting is a field of one of the section dataclasses below, with its unit in its
name (``timeout_s``, ``max_body_bytes``), a default and a help line; together they are the
settings table that ``council-monitor config docs`` prints and that a test compares with
the README.  Secrets (``secret=True``) are read only from the environment: a config file
that sets one is rejected, so a password can never be committed by accident.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

from monitor.errors import ConfigError

__all__ = [
    "DEFAULT_CONFIG_FILE",
    "Settings",
    "SettingInfo",
    "iter_settings",
    "load_settings",
    "settings_table_markdown",
]

DEFAULT_CONFIG_FILE = "config.toml"
ENV_PREFIX = "MONITOR_"


def _opt(
    default: Any,
    help: str,
    *,
    secret: bool = False,
    min: float | None = None,
    choices: tuple[str, ...] | None = None,
) -> Any:
    meta = {"help": help, "secret": secret, "min": min, "choices": choices}
    if isinstance(default, list):
        return field(default_factory=lambda: list(default), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class DatabaseSettings:
    url: str = _opt(
        "sqlite:///council-monitor.db",
        "SQLAlchemy URL of the store: a SQLite file (relative to the working directory) "
        "or postgresql+psycopg://host/db.",
    )
    busy_timeout_ms: int = _opt(
        10000, "How long a SQLite writer waits for the lock before failing.", min=0
    )
    pool_size: int = _opt(5, "Connections kept open to PostgreSQL per process.", min=1)


@dataclass(frozen=True)
class FetchSettings:
    user_agent: str = _opt(
        "CouncilMonitor/0.1 (+{contact_url})",
        "User-Agent sent with every request; {contact_url} is replaced by fetch.contact_url.",
    )
    contact_url: str = _opt(
        "https://example.org/council-monitor/contact",
        "Page that tells site owners who runs this crawler and how to reach them.",
    )
    connect_timeout_s: float = _opt(10.0, "Time allowed to open a connection.", min=0.1)
    read_timeout_s: float = _opt(20.0, "Time allowed between two chunks of a response.", min=0.1)
    total_timeout_s: float = _opt(
        60.0, "Time allowed for one request from connect to last byte, retries excluded.", min=0.1
    )
    max_body_bytes: int = _opt(
        20_000_000, "Largest decoded body accepted; larger ones fail with too_large.", min=1024
    )
    max_redirects: int = _opt(
        5, "Redirects followed before failing with too_many_redirects.", min=0
    )
    min_delay_s: float = _opt(1.0, "Minimum pause between two requests to the same host.", min=0.0)
    max_delay_s: float = _opt(
        30.0, "Ceiling of the per-host pause when a slow host makes it grow.", min=0.0
    )
    latency_factor: float = _opt(
        1.0, "The per-host pause follows the host's response time times this factor.", min=0.0
    )
    max_connections: int = _opt(
        64, "Requests in flight at once across all hosts (one per host at most).", min=1
    )
    max_retries: int = _opt(
        2, "Retries of an idempotent GET after 408, 429, 5xx or a dropped connection.", min=0
    )
    backoff_base_s: float = _opt(1.0, "First retry pause; doubles with each retry.", min=0.0)
    retry_after_max_s: float = _opt(
        60.0,
        "Longest Retry-After honoured by waiting; longer ones end the poll and set the "
        "source's next check instead.",
        min=0.0,
    )
    robots_ttl_s: int = _opt(86400, "How long a host's robots.txt is cached.", min=0)
    respect_robots: bool = _opt(True, "Obey robots.txt (turn off only for your own hosts).")
    allow_private_addresses: bool = _opt(
        False,
        "Allow requests to private, loopback and link-local addresses (the demo and the "
        "tests turn this on; leave it off in production).",
    )
    verify_tls: bool = _opt(True, "Verify TLS certificates.")


@dataclass(frozen=True)
class SourcesSettings:
    file: str = _opt(
        "",
        "Optional TOML or JSON file of source declarations loaded by `sources sync` "
        "(relative to the config file).",
    )
    feed_interval_s: int = _opt(900, "Default poll interval of RSS/Atom feeds.", min=10)
    committee_interval_s: int = _opt(
        21600, "Default poll interval of committee systems (ModernGov, CMIS).", min=10
    )
    newsroom_interval_s: int = _opt(3600, "Default poll interval of HTML newsrooms.", min=10)
    failure_backoff_max_s: int = _opt(
        86400, "Longest wait before re-trying a failing source (it is never dropped).", min=60
    )
    quiet_factor: float = _opt(
        4.0,
        "A source is quiet when nothing new arrived for this many times its usual gap "
        "between new items.",
        min=1.0,
    )
    parse_workers: int = _opt(
        0, "Processes that parse feeds off the event loop (0: one per CPU core).", min=0
    )


@dataclass(frozen=True)
class SearchSettings:
    default_limit: int = _opt(20, "Results returned when no limit is given.", min=1)
    max_limit: int = _opt(500, "Largest page of results a query may ask for.", min=1)
    snippet_tokens: int = _opt(24, "Length of a search snippet, in words.", min=4)
    ranked_window: int = _opt(
        5000,
        "Relevance ranking scores at most this many of the newest matches (very common "
        "words would otherwise rank the whole archive).",
        min=100,
    )


@dataclass(frozen=True)
class ClassifierSettings:
    model_dir: str = _opt(
        "", "Folder of the trained model (empty: models/artifacts inside the installation)."
    )
    runtime: str = _opt(
        "onnx", "onnx (int8, fast) or torch (fp32 reference).", choices=("onnx", "torch")
    )
    threads: int = _opt(0, "CPU threads for the classifier (0: all cores).", min=0)
    batch_items: int = _opt(256, "Items classified per database round trip.", min=1)


@dataclass(frozen=True)
class AlertSettings:
    window_days: int = _opt(7, "Recent window compared with the baseline for bursts.", min=1)
    baseline_days: int = _opt(
        180,
        "A council's own history before the combine period, against which it is judged.",
        min=7,
    )
    prior_days: float = _opt(
        90.0,
        "Weight of the national rate in a council's baseline, in days of history "
        "(helps councils with little history).",
        min=0.0,
    )
    combine_days: int = _opt(
        90, "Period over which different signals and outlets combine into an alert.", min=1
    )
    min_stories: int = _opt(
        3,
        "Unique stories needed for a combination of signals or a burst to fire (small "
        "councils, stray items).",
        min=1,
    )
    burst_min_stories: int = _opt(
        4,
        "Unique stories in the recent window needed for a burst alone to fire (at least "
        "min_stories).",
        min=1,
    )
    strong_score: float = _opt(
        0.8, "At least one contributing story must carry a signal this probable.", min=0.0
    )
    sensitivity: float = _opt(
        3.0,
        "Standard deviations above the baseline rate that make a burst (1.5 = more "
        "alerts, 3 = fewer).",
        min=0.0,
    )
    quiet_days: int = _opt(14, "Days without new evidence before an alert goes quiet.", min=1)
    resolve_days: int = _opt(45, "Days without new evidence before an alert is resolved.", min=1)
    immediate_severity: str = _opt(
        "acute",
        "Alerts at or above this severity are mailed at once (none: never).",
        choices=("watch", "concern", "acute", "none"),
    )
    immediate_per_day: int = _opt(
        3, "Most immediate alert mails one subscriber receives in 24 hours.", min=0
    )
    digest_hour: int = _opt(7, "Local hour (0-23) at which daily digests are sent.", min=0)
    timezone: str = _opt("Europe/London", "Time zone of the digest hour.")
    base_url: str = _opt(
        "http://127.0.0.1:8000",
        "Public address of the web service (unsubscribe and evidence links in mails).",
    )


@dataclass(frozen=True)
class LogSettings:
    level: str = _opt("INFO", "Lowest level logged.", choices=("DEBUG", "INFO", "WARNING", "ERROR"))
    format: str = _opt(
        "text", "Log line format: text for people, json for collectors.", choices=("text", "json")
    )


@dataclass(frozen=True)
class SmtpSettings:
    host: str = _opt("", "SMTP server for digests and alerts (empty: mail is not sent).")
    port: int = _opt(587, "SMTP port.", min=1)
    starttls: bool = _opt(True, "Upgrade the connection with STARTTLS before authenticating.")
    username: str = _opt("", "SMTP user name (empty: no authentication).")
    password: str = _opt("", "SMTP password; only from MONITOR_SMTP_PASSWORD.", secret=True)
    from_addr: str = _opt("council-monitor@localhost", "From address of every message.")
    timeout_s: float = _opt(30.0, "Time allowed for each SMTP conversation.", min=1.0)
    journal_file: str = _opt(
        "",
        "Append-only record of messages the server accepted, read after a crash so "
        "that none of them is sent again (empty: beside the SQLite file, or "
        "./.council-monitor-outbox-<hash of the database URL>.journal).",
    )
    ca_file: str = _opt(
        "", "CA bundle that verifies the server's STARTTLS certificate (empty: the system's)."
    )
    retry_base_s: float = _opt(
        60.0,
        "First wait before re-sending after a temporary failure; doubles each time.",
        min=0.0,
    )
    give_up_after_s: int = _opt(
        172800,
        "A message still not accepted after this long is marked failed for operators.",
        min=60,
    )


@dataclass(frozen=True)
class WebSettings:
    host: str = _opt("127.0.0.1", "Address `serve` listens on (0.0.0.0: every interface).")
    port: int = _opt(8000, "Port `serve` listens on.", min=1)
    session_hours: float = _opt(
        12.0, "A login session ends after this many hours without a request.", min=0.05
    )
    secure_cookies: bool = _opt(
        False, "Send the session cookie only over HTTPS (turn on behind a TLS proxy)."
    )
    page_size: int = _opt(50, "Rows per page of the web pages and the API (at most).", min=1)
    login_attempts_per_hour: int = _opt(
        20, "Failed logins allowed per user name per hour before logins are refused.", min=1
    )


@dataclass(frozen=True)
class SchedulerSettings:
    tick_s: int = _opt(60, "How often `run` looks for sources whose next check has come.", min=5)
    enrich_interval_s: int = _opt(
        300, "How often `run` groups stories and classifies the backlog.", min=10
    )
    detect_interval_s: int = _opt(900, "How often `run` assesses councils for alerts.", min=10)
    deliver_interval_s: int = _opt(60, "How often `run` sends the outbox.", min=5)
    health_interval_s: int = _opt(3600, "How often `run` logs the source-health summary.", min=60)
    job_timeout_s: int = _opt(
        1800,
        "Longest a scheduled job may run; a poll still going is cancelled and its "
        "unfinished sources are retried next tick.",
        min=10,
    )
    misfire_grace_s: int = _opt(
        300,
        "A job that could not start on time still runs if this late, else it is skipped.",
        min=1,
    )
    lock_stale_s: int = _opt(
        120,
        "A `run` whose heartbeat is older than this is presumed dead, and another may take over.",
        min=10,
    )
    max_sources_per_tick: int = _opt(
        500, "Most due sources polled in one tick (the rest wait for the next).", min=1
    )


@dataclass(frozen=True)
class Settings:
    database: DatabaseSettings = field(default_factory=DatabaseSettings)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    sources: SourcesSettings = field(default_factory=SourcesSettings)
    search: SearchSettings = field(default_factory=SearchSettings)
    classifier: ClassifierSettings = field(default_factory=ClassifierSettings)
    alerts: AlertSettings = field(default_factory=AlertSettings)
    log: LogSettings = field(default_factory=LogSettings)
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    web: WebSettings = field(default_factory=WebSettings)
    scheduler: SchedulerSettings = field(default_factory=SchedulerSettings)
    config_path: Path | None = None
    unknown_env: tuple[str, ...] = ()  # MONITOR_* variables that match no setting

    @property
    def user_agent(self) -> str:
        return self.fetch.user_agent.replace("{contact_url}", self.fetch.contact_url)

    def replace(self, **changes: dict[str, Any]) -> Settings:
        """A copy with some settings changed: ``replace(fetch={"min_delay_s": 0})``."""
        sections = {}
        for name, values in changes.items():
            sections[name] = dataclasses.replace(getattr(self, name), **values)
        return dataclasses.replace(self, **sections)


@dataclass(frozen=True)
class SettingInfo:
    section: str
    key: str
    type: type
    default: Any
    help: str
    secret: bool
    min: float | None
    choices: tuple[str, ...] | None

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}"

    @property
    def env_var(self) -> str:
        return f"{ENV_PREFIX}{self.section.upper()}_{self.key.upper()}"


def _section_types() -> dict[str, type]:
    hints = get_type_hints(Settings)
    return {
        f.name: hints[f.name]
        for f in dataclasses.fields(Settings)
        if f.name not in ("config_path", "unknown_env")
    }


def iter_settings() -> Iterator[SettingInfo]:
    """Every setting, in table order."""
    for section, cls in _section_types().items():
        hints = get_type_hints(cls)
        for f in dataclasses.fields(cls):
            factory: Any = f.default_factory
            default = f.default if f.default is not dataclasses.MISSING else factory()
            yield SettingInfo(
                section,
                f.name,
                hints[f.name],
                default,
                f.metadata["help"],
                f.metadata["secret"],
                f.metadata["min"],
                f.metadata["choices"],
            )


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def _coerce(info: SettingInfo, value: Any, origin: str) -> Any:
    def bad(expected: str) -> ConfigError:
        return ConfigError(f"expected {expected}, got {value!r} (from {origin})", key=info.name)

    if info.type is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
            return value.strip().lower() in _TRUE
        raise bad("true or false")
    if info.type in (int, float):
        if isinstance(value, bool):
            raise bad("a number")
        try:
            number = info.type(value)
        except (TypeError, ValueError):
            raise bad("an integer" if info.type is int else "a number") from None
        if info.type is int and isinstance(value, float) and not value.is_integer():
            raise bad("an integer")
        if info.min is not None and number < info.min:
            raise ConfigError(
                f"must be at least {info.min:g}, got {number} (from {origin})", key=info.name
            )
        return number
    if not isinstance(value, str):
        raise bad("a string")
    if info.choices and value not in info.choices:
        raise ConfigError(
            f"must be one of {', '.join(info.choices)}, got {value!r} (from {origin})",
            key=info.name,
        )
    return value


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from exc


def _check_unknown(data: dict[str, Any], known: dict[str, set[str]], path: Path) -> None:
    for section, values in data.items():
        if section not in known:
            raise ConfigError(f"unknown section [{section}] in {path}", key=section)
        if not isinstance(values, dict):
            raise ConfigError(f"[{section}] must be a table in {path}", key=section)
        for key in values:
            if key not in known[section]:
                raise ConfigError(f"unknown setting in {path}", key=f"{section}.{key}")


def resolve_config_path(path: str | Path | None) -> Path | None:
    """The file to read: the argument, else $MONITOR_CONFIG, else ./config.toml if present."""
    if path:
        return Path(path)
    env = os.environ.get("MONITOR_CONFIG")
    if env:
        return Path(env)
    default = Path(DEFAULT_CONFIG_FILE)
    return default if default.exists() else None


def load_settings(
    path: str | Path | None = None,
    *,
    env: dict[str, str] | None = None,
    use_default_file: bool = True,
) -> Settings:
    """Build the effective settings; raise :class:`ConfigError` naming the bad key."""
    env = dict(os.environ) if env is None else env
    config_path = resolve_config_path(path) if (path or use_default_file) else None
    data = _read_file(config_path) if config_path else {}
    infos = list(iter_settings())
    known: dict[str, set[str]] = {}
    for info in infos:
        known.setdefault(info.section, set()).add(info.key)
    if config_path:
        _check_unknown(data, known, config_path)
    values: dict[str, dict[str, Any]] = {section: {} for section in known}
    for info in infos:
        file_value = data.get(info.section, {}).get(info.key)
        if file_value is not None:
            if info.secret:
                raise ConfigError(
                    f"is a secret and may only be set with the environment variable "
                    f"{info.env_var}, not in {config_path}",
                    key=info.name,
                )
            values[info.section][info.key] = _coerce(info, file_value, str(config_path))
        if info.env_var in env:
            values[info.section][info.key] = _coerce(info, env[info.env_var], info.env_var)
    sections = {name: cls(**values[name]) for name, cls in _section_types().items()}
    known_env = {info.env_var for info in infos} | {"MONITOR_CONFIG"}
    unknown = tuple(
        sorted(
            k
            for k in env
            if k.startswith(ENV_PREFIX) and k not in known_env and not k.startswith("MONITOR_TEST_")
        )
    )
    return Settings(**sections, config_path=config_path, unknown_env=unknown)


def effective_settings(settings: Settings) -> list[tuple[SettingInfo, Any, bool]]:
    """(info, value, is_default) for every setting; secrets are masked by the caller."""
    rows = []
    for info in iter_settings():
        value = getattr(getattr(settings, info.section), info.key)
        rows.append((info, value, value == info.default))
    return rows


def settings_table_markdown() -> str:
    """The settings table as Markdown (README's "Settings" section is generated from it)."""
    lines = ["| setting | environment variable | default | meaning |", "|---|---|---|---|"]
    for info in iter_settings():
        default = "(secret: environment only)" if info.secret else f"`{info.default!r}`"
        lines.append(f"| `{info.name}` | `{info.env_var}` | {default} | {info.help} |")
    return "\n".join(lines)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return repr(value)


def default_config_toml() -> str:
    """The shipped ``config.toml``: every setting, commented out at its default."""
    lines = [
        "# Council Monitor configuration.",
        "# Every setting is listed at its default (commented out). Uncomment to change one,",
        "# or override it with the environment variable MONITOR_<SECTION>_<KEY>.",
        "# Secrets (the SMTP password) are read only from the environment.",
        "# Regenerate this file with: council-monitor config docs --toml > config.toml",
    ]
    section = None
    for info in iter_settings():
        if info.section != section:
            section = info.section
            lines += ["", f"[{section}]"]
        lines.append(f"# {info.help}")
        if info.secret:
            lines.append(f"# {info.key}: set {info.env_var} in the environment")
        else:
            lines.append(f"# {info.key} = {_toml_value(info.default)}")
    return "\n".join(lines) + "\n"
