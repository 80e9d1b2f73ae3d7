"""Sources for every council from the register, coverage, and the health summary, on both
backends."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from monitor.config import Settings
from monitor.coverage import council_coverage, health_summary, register_sources
from monitor.devserver import DevServer
from monitor.errors import FetchError, ParseError
from monitor.pipeline import poll_sources
from monitor.register import load_register
from monitor.store import Store
from monitor.store.tables import utcnow
from monitor.types import RawItem, SourceSpec, SourceState
from scrapers.base import build_source
from tests.test_cli import cli
from tests.test_committee import FakeModernGov, install  # noqa: F401  (fixture)

REGISTER = load_register()
ADUR, WORTHING = "E07000223", "E07000229"


def test_every_current_council_gets_sources_from_the_register() -> None:
    specs = register_sources(REGISTER)
    by_council: dict[str, list[SourceSpec]] = {}
    for spec in specs:
        build_source(spec)  # every generated declaration is valid
        assert spec.council is not None
        by_council.setdefault(spec.council, []).append(spec)
    current = REGISTER.current()
    assert len(current) > 370
    # every council with a home page or a known committee system has a source
    for c in current:
        if c.homepage or (c.committee_url and c.committee_system in ("moderngov", "cmis")):
            assert c.gss in by_council, c.name
    kinds = {s.kind for s in specs}
    assert kinds == {"moderngov", "cmis", "site"}
    assert len({s.id for s in specs}) == len(specs)
    assert sum(s.kind == "moderngov" for s in specs) > 250


def test_a_shared_installation_is_split_between_its_councils() -> None:
    specs = {s.id: s for s in register_sources(REGISTER)}
    adur, worthing = specs[f"moderngov-{ADUR}"], specs[f"moderngov-{WORTHING}"]
    assert adur.url == worthing.url
    adur_source, worthing_source = build_source(adur), build_source(worthing)
    for name, adur_keeps, worthing_keeps in [
        ("Adur Planning Committee", True, False),
        ("Worthing Cabinet", False, True),
        ("Joint Strategic Committee", True, True),
        ("Licensing Committee", True, True),  # names neither: both keep it
    ]:
        assert adur_source.wanted_committee(name) is adur_keeps  # type: ignore[attr-defined]
        assert worthing_source.wanted_committee(name) is worthing_keeps  # type: ignore[attr-defined]


def _register_specs(gss: set[str]) -> list[SourceSpec]:
    return [s for s in register_sources(REGISTER) if s.council in gss]


def test_generated_sources_poll_a_shared_installation(
    store: Store,
    settings: Settings,
    install: FakeModernGov,  # noqa: F811
) -> None:
    """Adur and Worthing from the register, pointed at the local installation."""
    specs = [
        dataclasses.replace(spec, url=install.base)
        for spec in _register_specs({ADUR, WORTHING})
        if spec.kind == "moderngov"
    ]
    store.sources.sync(specs, origin="register")
    summary = asyncio.run(poll_sources(store, settings, store.sources.specs()))
    assert not summary.failed
    with store.db.read() as conn:
        rows = conn.execute(
            sa.text("SELECT source_id, title, kind, meta FROM item ORDER BY id")
        ).fetchall()
    adur = [r for r in rows if r.source_id == f"moderngov-{ADUR}"]
    worthing = [r for r in rows if r.source_id == f"moderngov-{WORTHING}"]
    assert worthing and all("Adur" not in r.title for r in worthing)
    assert adur and all("Worthing" not in r.title for r in adur)
    assert {r.kind for r in rows} == {"committee"}
    meta = adur[0].meta if isinstance(adur[0].meta, dict) else json.loads(adur[0].meta)
    assert meta["committee"] and meta["meeting_date"] and meta["doc_type"]
    # the second cycle of an unchanged installation stores nothing and fetches no document
    documents = install.document_hits()
    again = asyncio.run(poll_sources(store, settings, store.sources.specs()))
    assert again.new == 0 and install.document_hits() == documents


def _record(store: Store, spec: SourceSpec, *, ok: bool, when_days_ago: float = 0) -> None:
    started = utcnow() - timedelta(days=when_days_ago)
    with store.db.write() as conn:
        if ok:
            store.sources.record_success(
                conn,
                spec,
                SourceState(),
                started=started,
                duration_ms=5,
                outcome="ok",
                warnings=[],
                bytes_received=10,
                requests=1,
                seen=0,
                new=0,
                updated=0,
            )
        else:
            store.sources.record_failure(
                conn,
                spec,
                FetchError("HTTP 404", code="http_404", url=spec.url)
                if spec.kind == "site"
                else ParseError("no meeting links", code="no_meetings"),
                started=started,
                duration_ms=5,
            )


def test_coverage_lists_blind_councils_first_and_health_groups_errors(
    store: Store, settings: Settings
) -> None:
    leeds, bradford, york = "E08000035", "E08000032", "E06000014"
    specs = _register_specs({leeds, bradford, york})
    store.sources.sync(specs, origin="register")
    by_id = {s.id: s for s in specs}
    for spec in specs:
        # Leeds works; Bradford's site fails; York's everything fails
        ok = spec.council == leeds or (spec.council == bradford and spec.kind != "site")
        _record(store, spec, ok=ok)
    rows = council_coverage(store, REGISTER)
    assert len(rows) == len(REGISTER.current())
    status = {r.gss: r.status for r in rows}
    assert status[leeds] == "ok" and status[bradford] == "partial" and status[york] == "blind"
    order = [r.gss for r in rows]
    assert order.index(york) < order.index(bradford) < order.index(leeds)
    # councils with no source at all are blind too, and listed before the partial ones
    assert rows[0].status == "blind"
    assert sum(r.status == "unchecked" for r in rows) == 0
    summary = health_summary(store, settings, REGISTER)
    assert summary.total == len(specs) and summary.working == 3
    assert set(summary.broken) == {"http_404", "no_meetings"}
    assert f"site-{york}" in {s.id for s in summary.broken["http_404"]}
    assert york in {c.gss for c in summary.blind_councils}
    data = summary.to_json()
    json.dumps(data)
    assert data["broken"]["http_404"][0]["council"] in (bradford, york)
    assert by_id  # the declarations were used


def test_a_source_that_stops_publishing_is_reported_quiet(store: Store, settings: Settings) -> None:
    steady = SourceSpec(id="steady", kind="feed", url="http://127.0.0.1:1/a")
    stopped = SourceSpec(id="stopped", kind="feed", url="http://127.0.0.1:1/b")
    for spec in (steady, stopped):
        store.sources.add(spec)
    now = utcnow()
    # both published daily for three weeks; "stopped" fell silent nine days ago
    for source, days in ((steady, range(21, 0, -1)), (stopped, range(30, 9, -1))):
        for d in days:
            with store.db.write() as conn:
                at = now - timedelta(days=d)
                raw = RawItem(
                    guid=f"{source.id}-{d}",
                    url=f"{source.url}/{d}",
                    title=f"n{d}",
                    text="x",
                    published=at,
                )
                stats = store.items.ingest(conn, source.id, None, "press", [raw], at)
                store.sources.record_success(
                    conn,
                    source,
                    SourceState(),
                    started=at,
                    duration_ms=1,
                    outcome="new",
                    warnings=[],
                    bytes_received=1,
                    requests=1,
                    seen=1,
                    new=stats.new,
                    updated=0,
                )
    summary = health_summary(store, settings, REGISTER, now)
    assert [q.id for q in summary.quiet] == ["stopped"]
    quiet = summary.quiet[0]
    assert 0.9 < quiet.usual_gap_s / 86400 < 1.1 and quiet.silent_s > 8 * 86400
    # a laxer factor forgives it
    lax = settings.replace(sources={"quiet_factor": 20.0})
    assert health_summary(store, lax, REGISTER, now).quiet == []


# -- the commands ---------------------------------------------------------------------------------
@pytest.fixture
def workdir(tmp_path: Path, server: DevServer) -> Path:
    (tmp_path / "config.toml").write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "cm.db"}"\n'
        "[fetch]\nallow_private_addresses = true\nmin_delay_s = 0.0\nmax_retries = 0\n"
    )
    return tmp_path


def test_generate_coverage_and_health_commands(workdir: Path) -> None:
    assert cli("init", cwd=workdir).returncode == 0
    generated = cli("sources", "generate", cwd=workdir)
    assert generated.returncode == 0, generated.stderr
    assert re.search(r"\d+ added", generated.stderr)
    again = cli("sources", "generate", cwd=workdir)
    assert "0 added" in again.stderr and "0 disabled" in again.stderr
    result = cli("sources", "coverage", "--json", cwd=workdir)
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert len(rows) == len(REGISTER.current())
    for row in rows:
        assert {"gss", "name", "sources"} <= set(row)
        for s in row["sources"]:
            assert {"kind", "url", "healthy"} <= set(s) and s["healthy"] is False
    # nothing polled yet: the councils without any source come first, then "unchecked"
    statuses = [r["status"] for r in rows]
    assert statuses == sorted(statuses, key=["blind", "unchecked", "partial", "ok"].index)
    assert "unchecked" in statuses
    text = cli("sources", "coverage", cwd=workdir)
    assert text.returncode == 0 and "current councils" in text.stderr
    health = cli("sources", "health", "--json", cwd=workdir)
    assert health.returncode == 0, health.stderr
    data = json.loads(health.stdout)
    assert (
        data["total"] == sum(len(r["sources"]) for r in rows)
        and data["never_polled"] == data["total"]
    )
    plain = cli("sources", "health", cwd=workdir)
    assert plain.returncode == 0 and "never polled" in plain.stdout
