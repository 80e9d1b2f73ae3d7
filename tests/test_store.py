"""The store on SQLite and PostgreSQL: migrations, sources, ingest, search."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from monitor.errors import ConfigError, QueryError
from monitor.store import Store
from monitor.store.migrate import head_revision
from monitor.store.tables import SQLModel
from monitor.types import FetchedBody, PollResult, RawItem, SearchQuery, SourceSpec, SourceState

LEEDS = "E08000035"
COTSWOLD = "E07000079"
T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def item(
    guid: str,
    title: str,
    text: str = "",
    *,
    days: int = 0,
    url: str | None = None,
    published: bool = True,
) -> RawItem:
    return RawItem(
        guid=guid,
        url=url if url is not None else f"https://n.example/{guid}",
        title=title,
        text=text,
        published=(T0 + timedelta(days=days)) if published else None,
    )


def poll(
    store: Store,
    spec: SourceSpec,
    items: list[RawItem],
    *,
    when: datetime = T0 + timedelta(days=30),
) -> object:
    body = FetchedBody(
        url=spec.url, content_type="application/rss+xml", data=b"<rss/>", sha256="0" * 64
    )
    return store.record_poll(
        spec,
        PollResult(items=items, bodies=[body], state=SourceState(etag='"e1"')),
        started=when,
        duration_ms=5,
    )


@pytest.fixture
def leeds(store: Store) -> SourceSpec:
    spec = SourceSpec(id="leeds", kind="feed", url="https://news.example/rss", council=LEEDS)
    store.sources.add(spec)
    return spec


@pytest.fixture
def press(store: Store) -> SourceSpec:
    spec = SourceSpec(id="press", kind="feed", url="https://press.example/rss")
    store.sources.add(spec)
    return spec


def test_init_is_idempotent_and_loads_the_register(store: Store) -> None:
    again = store.init()
    assert again.revision_before == again.revision_after == head_revision()
    assert again.councils == 470
    with store.db.read() as conn:
        assert (
            conn.execute(
                sa.text("SELECT count(*) FROM council WHERE current AND principal")
            ).scalar_one()
            == 382
        )


def test_schema_matches_the_models(store: Store) -> None:
    with store.db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    # the full-text machinery is backend-specific and deliberately outside the models
    diff = [d for d in diff if "item_fts" not in str(d) and "search_vector" not in str(d)]
    assert diff == []


def test_sources_add_list_remove(store: Store, leeds: SourceSpec) -> None:
    with pytest.raises(ConfigError, match="already exists"):
        store.sources.add(leeds)
    with pytest.raises(ConfigError, match="unknown council"):
        store.sources.add(SourceSpec(id="x", kind="feed", url="https://x/", council="E99999999"))
    assert [s.id for s in store.sources.specs()] == ["leeds"]
    assert store.sources.remove("leeds") == "deleted"
    assert store.sources.specs() == []
    with pytest.raises(ConfigError, match="no source"):
        store.sources.remove("leeds")


def test_removing_a_source_with_items_keeps_them(store: Store, leeds: SourceSpec) -> None:
    poll(store, leeds, [item("a", "Budget set")])
    assert store.sources.remove("leeds") == "disabled"
    assert store.sources.specs() == [] and store.items.count() == 1
    store.sources.add(leeds)  # revived, history intact
    assert store.sources.health()[0].items_total == 1


def test_ingest_dedupes_by_guid_and_updates_changed_items(store: Store, leeds: SourceSpec) -> None:
    first = poll(store, leeds, [item("a", "Budget set"), item("b", "Bins")])
    assert (first.new, first.updated) == (2, 0)  # type: ignore[attr-defined]
    again = poll(store, leeds, [item("a", "Budget set"), item("b", "Bins")])
    assert (again.new, again.updated) == (0, 0)  # type: ignore[attr-defined]
    changed = poll(store, leeds, [item("a", "Budget set", "now with detail")])
    assert (changed.new, changed.updated) == (0, 1)  # type: ignore[attr-defined]
    assert store.items.count() == 2
    stored = store.items.get(first.new_ids[0])  # type: ignore[attr-defined]
    assert stored is not None and stored["version"] == 2 and stored["text"] == "now with detail"
    assert stored["councils"] == [
        {"council_gss": LEEDS, "role": "primary", "confidence": 1.0, "method": "source"}
    ]


def test_same_url_from_two_sources_is_stored_once(
    store: Store, leeds: SourceSpec, press: SourceSpec
) -> None:
    poll(store, leeds, [item("a", "Budget set", url="https://n.example/story")])
    stats = poll(store, press, [item("zz", "Budget set", url="https://n.example/story")])
    assert stats.new == 0 and stats.duplicates == 1  # type: ignore[attr-defined]
    with store.db.read() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM item_sighting")).scalar_one() == 1


def test_same_guid_twice_in_one_body(store: Store, leeds: SourceSpec) -> None:
    stats = poll(store, leeds, [item("a", "One"), item("a", "One again")])
    assert stats.new == 1  # type: ignore[attr-defined]


def test_missing_and_future_dates_are_estimated(store: Store, leeds: SourceSpec) -> None:
    when = T0 + timedelta(days=30)
    future = RawItem(
        guid="f",
        url="https://n.example/f",
        title="Future",
        published=when + timedelta(days=400),
        text="",
    )
    stats = poll(store, leeds, [item("n", "Undated", published=False), future], when=when)
    for item_id in stats.new_ids:  # type: ignore[attr-defined]
        stored = store.items.get(item_id)
        assert stored and stored["published_estimated"] and stored["published_at"] == when
    assert "published_claimed" in store.items.get(stats.new_ids[1])["meta"]  # type: ignore


def test_raw_body_kept_compressed_and_content_addressed(store: Store, leeds: SourceSpec) -> None:
    data = b"<rss>" + b"council " * 500 + b"</rss>"
    import hashlib

    body = FetchedBody(
        url=leeds.url,
        content_type="application/rss+xml",
        data=data,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    for _ in range(2):
        store.record_poll(
            leeds, PollResult(items=[item("a", "x")], bodies=[body]), started=T0, duration_ms=1
        )
    assert store.items.get_blob(body.sha256) == data
    with store.db.read() as conn:
        row = conn.execute(sa.text("SELECT count(*), max(length(data)) FROM blob")).one()
    assert row[0] == 1 and row[1] < len(data) / 5


# -- search -----------------------------------------------------------------------------
@pytest.fixture
def corpus(store: Store, leeds: SourceSpec, press: SourceSpec) -> Store:
    cots = SourceSpec(id="cots", kind="feed", url="https://cots.example/rss", council=COTSWOLD)
    store.sources.add(cots)
    poll(
        store,
        leeds,
        [
            item(
                "l1", "Leeds budget gap widens", "The council faces a budget gap of £20m.", days=1
            ),
            item("l2", "Bin collections change", "New recycling days from June.", days=5),
            item(
                "l3",
                "Section 114 warning",
                "Officers warned a section 114 notice may follow "
                "unless savings are found in the budget.",
                days=9,
            ),
        ],
    )
    poll(store, cots, [item("c1", "Cotswold budget approved", "Council tax rises 2.99%.", days=3)])
    poll(
        store,
        press,
        [
            item(
                "p1",
                "Budgets under pressure across England",
                "Many councils report overspends.",
                days=7,
            )
        ],
    )
    return store


def search(store: Store, text: str, **kw: object) -> list:
    return store.search.search(SearchQuery(text=text, **kw))  # type: ignore[arg-type]


def test_search_newest_first_with_highlights(corpus: Store) -> None:
    hits = search(corpus, "budget")
    assert [h.title for h in hits] == [
        "Section 114 warning",
        "Budgets under pressure across England",
        "Cotswold budget approved",
        "Leeds budget gap widens",
    ]
    top = hits[0]
    assert top.council_names == ("Leeds City Council",) and top.source == "leeds"
    marked = [top.snippet[a:b].lower() for a, b in top.highlights]
    assert marked and all(m.startswith("budget") for m in marked)


def test_search_filters(corpus: Store) -> None:
    assert {h.title for h in search(corpus, "budget", council=COTSWOLD)} == {
        "Cotswold budget approved"
    }
    assert {h.title for h in search(corpus, "budget", kind="press")} == {
        "Budgets under pressure across England"
    }
    window = search(corpus, "budget", since=T0 + timedelta(days=2), until=T0 + timedelta(days=8))
    assert {h.title for h in window} == {
        "Cotswold budget approved",
        "Budgets under pressure across England",
    }


@pytest.mark.parametrize("cap", [1, 2, 100])
def test_search_filters_give_the_same_answer_on_every_plan(
    corpus: Store, cap: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    # PostgreSQL collects a word's matches from the text index when they are few (under
    # the cap) and walks the date index otherwise; both must give the same filtered page
    from monitor.store import search as search_module

    monkeypatch.setattr(search_module, "PG_EXACT_CAP", cap)
    window = search(corpus, "budget", since=T0 + timedelta(days=2), until=T0 + timedelta(days=8))
    assert {h.title for h in window} == {
        "Cotswold budget approved",
        "Budgets under pressure across England",
    }
    assert [h.title for h in search(corpus, "budget", kind="press")] == [
        "Budgets under pressure across England"
    ]
    assert search(corpus, "budget", since=T0 + timedelta(days=400)) == []
    assert [h.title for h in search(corpus, "budget")][:2] == [
        "Section 114 warning",
        "Budgets under pressure across England",
    ]


def test_search_syntax(corpus: Store) -> None:
    assert [h.title for h in search(corpus, '"section 114"')] == ["Section 114 warning"]
    assert {h.title for h in search(corpus, "budget -council")} == {"Section 114 warning"}
    assert {h.title for h in search(corpus, "recycling OR overspends")} == {
        "Bin collections change",
        "Budgets under pressure across England",
    }
    assert {h.title for h in search(corpus, "cotsw*")} == {"Cotswold budget approved"}


def test_search_relevance_puts_title_matches_first(corpus: Store) -> None:
    hits = search(corpus, "section 114", sort="relevance")
    assert hits[0].title == "Section 114 warning" and hits[0].score is not None


def test_search_limit_and_offset(corpus: Store) -> None:
    page1 = search(corpus, "budget", limit=2)
    page2 = search(corpus, "budget", limit=2, offset=2)
    assert len(page1) == 2 and len(page2) == 2
    assert not {h.item_id for h in page1} & {h.item_id for h in page2}


@pytest.mark.parametrize(
    "bad", ['"open', "(budget", "budget)", "-budget", "", "OR", "budget OR", "NOT"]
)
def test_malformed_queries_give_a_query_error(corpus: Store, bad: str) -> None:
    with pytest.raises(QueryError):
        search(corpus, bad)


@pytest.mark.parametrize(
    "hostile",
    [
        "budget'; DROP TABLE item; --",
        'NEAR(a b) "x" * ^',
        "title:budget",
        "{title}: budget",
        "budget:*",
    ],
)
def test_backend_syntax_cannot_be_injected(corpus: Store, hostile: str) -> None:
    with contextlib.suppress(QueryError):
        search(corpus, hostile)
    assert corpus.items.count() == 5


def test_states_read_many_sources_at_once(
    store: Store, leeds: SourceSpec, press: SourceSpec
) -> None:
    poll(store, leeds, [])
    states = store.sources.states(["leeds", "press", "missing"])
    assert set(states) == {"leeds", "press"}  # an unknown id is simply absent
    assert states["leeds"].etag == '"e1"' == store.sources.state("leeds").etag
    assert states["press"].etag is None
