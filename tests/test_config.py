"""Settings: defaults, file, environment, errors naming the key, and documentation."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from monitor.config import (
    default_config_toml,
    iter_settings,
    load_settings,
    settings_table_markdown,
)
from monitor.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
UNIT_SUFFIXES = ("_s", "_ms", "_bytes", "_days", "_hours")


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_defaults_without_a_file() -> None:
    s = load_settings(None, env={}, use_default_file=False)
    assert s.database.url == "sqlite:///council-monitor.db"
    assert s.fetch.allow_private_addresses is False and s.fetch.respect_robots is True


def test_file_then_environment(tmp_path: Path) -> None:
    path = write(tmp_path, '[fetch]\ntotal_timeout_s = 30\n[database]\nurl = "sqlite:///x.db"\n')
    s = load_settings(
        path,
        env={"MONITOR_FETCH_TOTAL_TIMEOUT_S": "12.5", "MONITOR_DATABASE_URL": "postgresql://h/db"},
    )
    assert s.fetch.total_timeout_s == 12.5 and s.database.url == "postgresql://h/db"
    assert load_settings(path, env={}).fetch.total_timeout_s == 30


@pytest.mark.parametrize(
    "env,key",
    [
        ({"MONITOR_FETCH_MAX_RETRIES": "lots"}, "fetch.max_retries"),
        ({"MONITOR_FETCH_MIN_DELAY_S": "-1"}, "fetch.min_delay_s"),
        ({"MONITOR_FETCH_RESPECT_ROBOTS": "maybe"}, "fetch.respect_robots"),
        ({"MONITOR_LOG_LEVEL": "LOUD"}, "log.level"),
    ],
)
def test_bad_environment_value_names_the_key(env: dict[str, str], key: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(None, env=env, use_default_file=False)
    assert info.value.key == key and key in str(info.value)


@pytest.mark.parametrize(
    "text,key",
    [
        ("[fetch]\nmax_retries = 1.5\n", "fetch.max_retries"),
        ('[fetch]\nmax_retries = "two"\n', "fetch.max_retries"),
        ("[fetch]\nno_such = 1\n", "fetch.no_such"),
        ("[nonsense]\nx = 1\n", "nonsense"),
        ('[smtp]\npassword = "hunter2"\n', "smtp.password"),
    ],
)
def test_bad_file_value_names_the_key(tmp_path: Path, text: str, key: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(write(tmp_path, text), env={})
    assert info.value.key == key


def test_secret_only_from_environment(tmp_path: Path) -> None:
    s = load_settings(None, env={"MONITOR_SMTP_PASSWORD": "s3cret"}, use_default_file=False)
    assert s.smtp.password == "s3cret"
    with pytest.raises(ConfigError, match="environment variable MONITOR_SMTP_PASSWORD"):
        load_settings(write(tmp_path, '[smtp]\npassword = "x"\n'), env={})


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(write(tmp_path, "[fetch\n"), env={})


def test_unknown_monitor_variables_are_reported() -> None:
    s = load_settings(None, env={"MONITOR_FETCH_TIMEOUT": "3"}, use_default_file=False)
    assert s.unknown_env == ("MONITOR_FETCH_TIMEOUT",)


def test_every_setting_has_help_and_a_unit_where_it_measures() -> None:
    for info in iter_settings():
        assert info.help.strip().endswith("."), info.name
        if info.type in (int, float) and any(
            w in info.name for w in ("timeout", "delay", "interval", "ttl", "body")
        ):
            assert info.key.endswith(UNIT_SUFFIXES), f"{info.name} needs a unit suffix"


def test_shipped_config_toml_documents_every_setting() -> None:
    assert (ROOT / "config.toml").read_text() == default_config_toml(), (
        "regenerate with: council-monitor config docs --toml > config.toml"
    )


def test_readme_settings_table_is_current() -> None:
    readme = (ROOT / "README.md").read_text()
    assert settings_table_markdown() in readme, (
        "regenerate the README's settings table with: council-monitor config docs"
    )
    documented = set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", readme, re.M))
    assert documented == {info.name for info in iter_settings()}
