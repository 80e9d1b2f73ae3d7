"""Detection, the alert lifecycle, digests, immediate mail and delivery through a real SMTP
server with faults."""

from __future__ import annotations

import email
import email.policy
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alerts.detect import DetectionSettings, assess
from alerts.digest import render
from alerts.lifecycle import AlertState, decide
from alerts.mail import build_message
from monitor.alerting import build_digest, deliver_outbox, queue_digests, radar, run_detection
from monitor.config import Settings
from monitor.store import Store
from monitor.types import RawItem, SignalStory, SourceSpec, Verdict
from tests.smtp_server import FaultyHandler, SmtpServer, self_signed_cert

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
WOKING = "E07000217"
LEEDS = "E08000035"


def story(
    i: int,
    days_ago: float,
    labels: tuple[str, ...],
    outlets: tuple[str, ...] = ("a",),
    rules: tuple[str, ...] = (),
    score: float = 0.95,
    gss: str = WOKING,
) -> SignalStory:
    return SignalStory(
        story_id=i,
        council_gss=gss,
        first_seen=NOW - timedelta(days=days_ago),
        labels=labels,
        score=score,
        outlets=outlets,
        kinds=("press",),
        rules=rules,
        items=(
            {"item_id": i, "title": f"story {i}", "url": f"https://n.example/{i}", "evidence": {}},
        ),
    )


# -- detection ----------------------------------------------------------------------------
def test_one_stray_story_never_alerts() -> None:
    assert assess([story(1, 3, ("financial_distress",))], NOW) is None


def test_signals_combining_in_a_quiet_council_alert() -> None:
    stories = [
        story(1, 40, ("financial_distress",), ("a",)),
        story(2, 20, ("governance_failure",), ("b",)),
        story(3, 5, ("financial_distress",), ("c",)),
    ]
    a = assess(stories, NOW)
    assert a is not None and {"multi_signal", "corroborated"} <= set(a.rules)
    x = a.explanation
    assert x["stories"] == 3 and x["signals"] == {"financial_distress": 2, "governance_failure": 1}
    assert x["expected_weight"] < 1 and len(x["items"]) == 3 and x["corroborated"]


def test_the_same_count_in_a_council_that_always_has_some_does_not_alert() -> None:
    history = [
        story(
            100 + i,
            100 + 9 * i,
            (("financial_distress", "governance_failure")[i % 2],),
            (f"o{i % 5}",),
        )
        for i in range(18)
    ]
    recent = [
        story(1, 40, ("financial_distress",), ("a",)),
        story(2, 20, ("governance_failure",), ("b",)),
        story(3, 5, ("financial_distress",), ("c",)),
    ]
    assert assess(recent, NOW) is not None
    assert assess(history + recent, NOW) is None


def test_syndicated_copies_are_one_story_but_weigh_their_outlets() -> None:
    one_story_many_outlets = [story(1, 2, ("financial_distress",), ("a", "b", "c", "d"))]
    assert assess(one_story_many_outlets, NOW) is None  # still one story


def test_formal_event_with_a_second_outlet_is_acute_with_other_evidence() -> None:
    a = assess([story(1, 2, ("financial_distress",), ("a", "b"), rules=("s114",))], NOW)
    assert a is not None and a.rules == ["formal_event"] and a.severity == "concern"
    b = assess(
        [
            story(1, 2, ("financial_distress",), ("a", "b"), rules=("s114",)),
            story(2, 10, ("governance_failure",), ("c",)),
        ],
        NOW,
    )
    assert b is not None and b.severity == "acute"


def test_weak_stories_alone_do_not_alert() -> None:
    weak = [story(i, 5 * i, ("financial_distress",), (f"o{i}",), score=0.6) for i in range(5)]
    assert assess(weak, NOW) is None


def test_burst_against_own_baseline() -> None:
    recent = [story(i, 1 + i, ("financial_distress",), (f"o{i}",)) for i in range(4)]
    a = assess(recent, NOW, DetectionSettings())
    assert a is not None and "burst" in a.rules


def test_a_burst_needs_more_than_three_stories_in_its_week() -> None:
    # three single-outlet stories in one week, one signal, no history: chance across
    # hundreds of councils (stray items, or a routine item tagged wrongly), not a burst;
    # over the combine period the same three still count as elevated and corroborated
    three = [story(i, 1 + i, ("financial_distress",), (f"o{i}",)) for i in range(3)]
    a = assess(three, NOW, DetectionSettings())
    assert a is None or "burst" not in a.rules
    looser = assess(three, NOW, DetectionSettings(burst_min_stories=3))
    assert looser is not None and "burst" in looser.rules


def test_lifecycle() -> None:
    a = assess(
        [
            story(1, 40, ("financial_distress",), ("a",)),
            story(2, 20, ("governance_failure",), ("b",)),
            story(3, 5, ("financial_distress",), ("c",)),
        ],
        NOW,
    )
    assert a is not None
    assert decide(None, a, NOW).kind == "open"
    open_state = AlertState(1, WOKING, "open", "watch", NOW - timedelta(days=5))
    assert decide(open_state, a, NOW).kind == "none"  # nothing new: the same episode
    fresh = a.__class__(**{**a.__dict__, "severity": "acute", "last_evidence_at": NOW})
    assert decide(open_state, fresh, NOW).kind == "escalate"
    assert decide(open_state, None, NOW + timedelta(days=15)).kind == "quiet"
    quiet = AlertState(1, WOKING, "quiet", "watch", NOW - timedelta(days=5))
    assert decide(quiet, None, NOW + timedelta(days=41)).kind == "resolve"
    resolved = AlertState(1, WOKING, "resolved", "watch", NOW - timedelta(days=5))
    assert decide(resolved, a, NOW + timedelta(days=50)).kind == "none"  # old evidence
    assert decide(resolved, fresh, NOW + timedelta(days=50)).kind == "open"


# -- end to end on the store ----------------------------------------------------------------
def seed_signals(
    store: Store,
    gss: str = WOKING,
    *,
    days: tuple[int, ...] = (40, 20, 5),
    formal: bool = True,
    now: datetime = NOW,
) -> None:
    spec = SourceSpec(id=f"press-{gss}", kind="feed", url="https://press.example/rss")
    store.sources.add(spec)
    labels = ["financial_distress", "governance_failure", "financial_distress"]
    items = [
        RawItem(
            guid=f"{gss}-{i}",
            url=f"https://outlet{i}.example/{gss}/{i}",
            title=f"Signal story {i}",
            text=f"Text {i}",
            published=now - timedelta(days=d),
            links=[(gss, "primary", 0.95, "text")],
        )
        for i, d in enumerate(days)
    ]
    with store.db.write() as conn:
        stats = store.items.ingest(conn, spec.id, None, "press", items, fetched_at=now)
    from monitor.enrich import StoryGrouper

    StoryGrouper(store).run()
    verdicts = []
    for n, item_id in enumerate(stats.new_ids or []):
        label = labels[n % 3]
        rules = {label: ["s114"]} if formal and n == 2 else {}
        verdicts.append(
            Verdict(
                item_id,
                "",
                {label: 0.95},
                (label,),
                {label: f"evidence {n}"},
                -0.8,
                rules,
                "test-model",
            )
        )
    store.signals.save(verdicts)


@pytest.fixture
def alert_settings(settings: Settings) -> Settings:
    return settings.replace(
        alerts={"base_url": "https://monitor.example", "immediate_severity": "concern"},
        smtp={
            "host": "127.0.0.1",
            "starttls": False,
            "retry_base_s": 0.0,
            "from_addr": "alerts@monitor.example",
        },
    )


def test_detection_opens_one_alert_and_queues_immediate_mail(
    store: Store, alert_settings: Settings
) -> None:
    store.subscribers.add("ana", "ana@example.org", councils=[WOKING])
    store.subscribers.add("ben", "ben@example.org", councils=[LEEDS])
    seed_signals(store)
    report = run_detection(store, alert_settings, NOW)
    assert len(report.opened) == 1 and report.queued_mail == 1
    again = run_detection(store, alert_settings, NOW + timedelta(hours=1))
    assert again.opened == [] and again.queued_mail == 0  # never alerts twice
    alert = store.alerts.get(report.opened[0])
    assert alert is not None and alert["council_gss"] == WOKING
    assert alert["severity"] in ("concern", "acute")
    assert alert["explanation"]["items"][0]["evidence"]
    assert [e["kind"] for e in alert["events"]] == ["opened"]
    rows, blind = radar(store, alert_settings, NOW)
    assert rows[0].gss == WOKING and rows[0].severity == alert["severity"]
    assert any(b["gss"] == LEEDS for b in blind)
    assert store.outbox.counts() == {"pending": 1}


def test_digest_content_and_rendering(store: Store, alert_settings: Settings) -> None:
    store.subscribers.add("ana", "ana@example.org", councils=[WOKING])
    seed_signals(store)
    run_detection(store, alert_settings, NOW)
    sub = store.subscribers.get("ana")
    assert sub is not None
    digest = build_digest(
        store, alert_settings, sub, NOW + timedelta(hours=1), since=NOW - timedelta(days=60)
    )
    assert len(digest.alerts) == 1 and digest.stories
    subject, text, html = render(digest)
    assert "Woking Borough Council" in subject
    assert "ALERTS" in text and "NEW SIGNALS" in text and "evidence 2" in text
    assert "Unsubscribe" in html and "https://monitor.example/unsubscribe?token=" in html
    assert "signal stories per week" in html.lower()
    assert "<script" not in html


def test_scraped_text_cannot_inject_headers() -> None:
    message, mid = build_message(
        sender="alerts@monitor.example",
        recipient="ana@example.org",
        subject="Leader quits\r\nBcc: victim@example.org\r\nX-Evil: 1",
        text="t",
        html="<p>h</p>",
        key="k1",
        unsubscribe_url="https://m.example/u?token=x\r\nBcc: y",
    )
    parsed = email.message_from_bytes(message, policy=email.policy.SMTP)
    assert parsed["Bcc"] is None and parsed["X-Evil"] is None
    assert "Bcc" in parsed["Subject"]  # kept as harmless text on one line
    assert parsed["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert parsed["Message-ID"] == mid


def test_digests_are_queued_once_per_day(store: Store, alert_settings: Settings) -> None:
    store.subscribers.add("ana", "ana@example.org", councils=[WOKING])
    seed_signals(store)
    run_detection(store, alert_settings, NOW)
    evening = NOW.replace(hour=19)
    assert queue_digests(store, alert_settings, evening) == 1
    assert queue_digests(store, alert_settings, evening + timedelta(hours=1)) == 0
    early = (NOW + timedelta(days=1)).replace(hour=3)
    assert queue_digests(store, alert_settings, early) == 0  # before the digest hour


def test_delivery_with_temporary_permanent_and_dropped(
    store: Store, alert_settings: Settings
) -> None:
    for name in ("ok", "temp", "perm", "drop"):
        store.subscribers.add(name, f"{name}@example.org", councils=[WOKING])
    seed_signals(store)
    run_detection(store, alert_settings, NOW)
    handler = FaultyHandler(
        faults={
            "temp@example.org": ["451 4.7.1 busy", "451 4.7.1 busy"],
            "perm@example.org": ["550 5.1.1 no such user"],
            "drop@example.org": ["drop"],
        }
    )
    with SmtpServer(handler) as smtp:
        settings = alert_settings.replace(smtp={"port": smtp.port})
        reports = [
            deliver_outbox(store, settings, now=NOW + timedelta(minutes=k)) for k in range(4)
        ]
    assert sum(r.sent for r in reports) == 3 and sum(r.failed for r in reports) == 1
    received = sorted(m["To"] for m in handler.received)
    assert received == ["drop@example.org", "ok@example.org", "temp@example.org"]
    assert handler.message_ids().most_common(1)[0][1] == 1  # nothing sent twice
    failures = store.outbox.failures()
    assert any(f["status"] == "failed" and "550" in f["last_error"] for f in failures)


def test_give_up_after_the_configured_time(store: Store, alert_settings: Settings) -> None:
    store.subscribers.add("temp", "temp@example.org", councils=[WOKING])
    seed_signals(store)
    settings = alert_settings.replace(smtp={"give_up_after_s": 60})
    run_detection(store, settings, NOW - timedelta(hours=1))  # queued an hour ago
    handler = FaultyHandler(faults={"temp@example.org": ["451 busy"] * 10})
    with SmtpServer(handler) as smtp:
        report = deliver_outbox(store, settings.replace(smtp={"port": smtp.port}), now=NOW)
    assert report.failed == 1 and store.outbox.counts() == {"failed": 1}


def test_smtp_server_down_loses_nothing(store: Store, alert_settings: Settings) -> None:
    store.subscribers.add("ana", "ana@example.org", councils=[WOKING])
    seed_signals(store)
    run_detection(store, alert_settings, NOW)
    settings = alert_settings.replace(smtp={"port": 9, "timeout_s": 2.0})
    report = deliver_outbox(store, settings, now=NOW)
    assert report.sent == 0 and report.retrying == 1
    assert store.outbox.counts() == {"pending": 1}
    handler = FaultyHandler()
    with SmtpServer(handler) as smtp:
        deliver_outbox(
            store, alert_settings.replace(smtp={"port": smtp.port}), now=NOW + timedelta(minutes=1)
        )
    assert len(handler.received) == 1


def test_starttls_and_authentication(
    store: Store, alert_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cert, key = self_signed_cert(tmp_path)
    store.subscribers.add("ana", "ana@example.org", councils=[WOKING])
    seed_signals(store)
    run_detection(store, alert_settings, NOW)
    handler = FaultyHandler()
    with SmtpServer(handler, tls_cert=cert, tls_key=key, users={"cm": "s3cret"}) as smtp:
        settings = alert_settings.replace(
            smtp={
                "port": smtp.port,
                "starttls": True,
                "username": "cm",
                "password": "wrong",
                "ca_file": str(cert),
            }
        )
        bad = deliver_outbox(store, settings, now=NOW)
        assert bad.sent == 0 and "smtp_auth" in bad.errors
        good = deliver_outbox(
            store, settings.replace(smtp={"password": "s3cret"}), now=NOW + timedelta(minutes=1)
        )
    assert good.sent == 1 and len(handler.received) == 1


def test_one_click_unsubscribe(store: Store) -> None:
    store.subscribers.add("ana", "ana@example.org")
    token = store.subscribers.get("ana")["unsubscribe_token"]  # type: ignore[index]
    assert store.subscribers.unsubscribe("not-a-token") is None
    assert store.subscribers.unsubscribe(token) == "ana"
    assert store.subscribers.all() == []
