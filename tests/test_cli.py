"""The command line as a user runs it (a real process, `python -m monitor`)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main

from monitor.cli import app
from monitor.demo import DEMO_DATA
from monitor.devserver import DevServer

ROOT = Path(__file__).resolve().parent.parent


def cli(
    *args: str, cwd: Path, env: dict[str, str] | None = None, input: str | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
    full_env.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "monitor", *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
        input=input,
    )


@pytest.fixture
def workdir(tmp_path: Path, server: DevServer) -> Path:
    (tmp_path / "config.toml").write_text(
        f'[database]\nurl = "sqlite:///{tmp_path / "cm.db"}"\n'
        "[fetch]\nallow_private_addresses = true\nmin_delay_s = 0.0\nmax_retries = 0\n"
    )
    server.serve_file("/leeds", DEMO_DATA / "feeds" / "leeds_2026-06.xml")
    server.serve_file("/bbc", DEMO_DATA / "feeds" / "bbc_sport_liverpool.xml")
    return tmp_path


def test_every_command_takes_config() -> None:
    root = typer.main.get_command(app)

    def walk(cmd: object, path: str) -> list[str]:
        sub = getattr(cmd, "commands", None)
        if sub:
            return [p for name, c in sub.items() for p in walk(c, f"{path} {name}")]
        return [path]

    missing = []
    for path in walk(root, ""):
        cmd = root
        for part in path.split():
            cmd = cmd.commands[part]  # type: ignore[attr-defined]
        opts = {o for p in cmd.params for o in getattr(p, "opts", [])}
        if "--config" not in opts and path.strip() not in ("config docs", "demo"):
            missing.append(path)
    assert missing == []


def test_full_flow(workdir: Path, server: DevServer) -> None:
    assert cli("init", cwd=workdir).returncode == 0
    again = cli("init", cwd=workdir)
    assert again.returncode == 0 and re.search(r"schema\s+(\d+) -> \1;", again.stderr)
    r = cli(
        "sources", "add", server.url("/leeds"), "--council", "Leeds", "--id", "leeds", cwd=workdir
    )
    assert r.returncode == 0, r.stderr
    assert cli("sources", "add", server.url("/bbc"), "--id", "bbc", cwd=workdir).returncode == 0
    assert cli("sources", "add", server.url("/gone"), "--id", "gone", cwd=workdir).returncode == 0
    assert cli("sources", "check", cwd=workdir).returncode == 0

    fetched = cli("fetch", cwd=workdir)
    assert fetched.returncode == 0, fetched.stderr
    assert "6 new" in fetched.stderr and "1 failed" in fetched.stderr
    assert "gone: http_404" in fetched.stderr

    listed = json.loads(cli("sources", "list", "--json", cwd=workdir).stdout)
    by_id = {s["id"]: s for s in listed}
    for key in (
        "id",
        "url",
        "kind",
        "council",
        "last_error",
        "consecutive_failures",
        "last_success",
        "last_new_item",
    ):
        assert key in by_id["leeds"]
    assert by_id["gone"]["last_error"] == "http_404" and by_id["gone"]["consecutive_failures"] == 1
    assert by_id["leeds"]["council"] == "E08000035" and by_id["leeds"]["last_success"]

    hits = json.loads(cli("search", "volunteers", "--json", cwd=workdir).stdout)
    assert hits and {"title", "url", "published", "council", "source", "snippet"} <= set(hits[0])
    assert hits[0]["council"] == "Leeds City Council"
    filtered = json.loads(
        cli("search", "liverpool", "--council", "Leeds", "--json", cwd=workdir).stdout
    )
    assert filtered == []
    human = cli("search", "volunteers", cwd=workdir)
    assert "Gate keepers of Leeds" in human.stdout

    removed = cli("sources", "remove", "leeds", cwd=workdir)
    assert removed.returncode == 0 and "disabled" in removed.stderr
    assert cli("sources", "remove", "gone", cwd=workdir).returncode == 0


@pytest.mark.parametrize("query", ['"unclosed', "(budget", "-only"])
def test_malformed_query_is_one_line(workdir: Path, query: str) -> None:
    cli("init", cwd=workdir)
    r = cli("search", "--", query, cwd=workdir)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_commands_before_init_say_what_to_do(workdir: Path) -> None:
    r = cli("sources", "list", cwd=workdir)
    assert r.returncode == 1 and "council-monitor init" in r.stderr
    assert "Traceback" not in r.stderr


def test_bad_config_names_the_key(workdir: Path) -> None:
    r = cli("config", "check", cwd=workdir, env={"MONITOR_FETCH_MAX_RETRIES": "many"})
    assert r.returncode == 2 and "fetch.max_retries" in r.stderr
    bad = workdir / "bad.toml"
    bad.write_text("[fetch]\nmin_delay_s = -3\n")
    r = cli("config", "check", "--config", str(bad), cwd=workdir)
    assert r.returncode == 2 and "fetch.min_delay_s" in r.stderr


def test_config_check_masks_secrets(workdir: Path) -> None:
    r = cli("config", "check", "--json", cwd=workdir, env={"MONITOR_SMTP_PASSWORD": "hunter2"})
    assert r.returncode == 0 and "hunter2" not in r.stdout + r.stderr
    values = {row["setting"]: row["value"] for row in json.loads(r.stdout)["settings"]}
    assert values["smtp.password"] == "********"
    assert values["fetch.allow_private_addresses"] is True


def test_councils_list_and_show(tmp_path: Path) -> None:
    listed = json.loads(cli("councils", "list", "--json", cwd=tmp_path).stdout)
    assert len(listed) == 382
    for key in (
        "gss",
        "name",
        "short_name",
        "type",
        "nation",
        "region",
        "current",
        "homepage",
        "aliases",
    ):
        assert key in listed[0]
    every = json.loads(cli("councils", "list", "--json", "--all", cwd=tmp_path).stdout)
    assert any(not c["current"] for c in every)
    shown = json.loads(cli("councils", "show", "Northants", "--json", cwd=tmp_path).stdout)
    assert shown["gss"] == "E10000021" and shown["current"] is False
    typo = cli("councils", "show", "Bradfrod", cwd=tmp_path)
    assert typo.returncode == 1 and "Bradford" in typo.stderr


def test_unknown_council_option_suggests(workdir: Path) -> None:
    cli("init", cwd=workdir)
    r = cli("search", "budget", "--council", "Croyden", cwd=workdir)
    assert r.returncode == 2 and "Croydon" in r.stderr


def test_sources_check_reports_bad_declarations(workdir: Path) -> None:
    cli("init", cwd=workdir)
    bad = workdir / "sources.toml"
    bad.write_text('[[source]]\nid = "x"\nkind = "feed"\nurl = "ftp://nope"\n')
    r = cli("sources", "check", str(bad), cwd=workdir)
    assert r.returncode == 1 and "sources.x.url" in r.stderr
    good = workdir / "good.toml"
    good.write_text(
        '[[source]]\nid = "y"\nkind = "feed"\nurl = "https://a.example/rss"\ncouncil = "Woking"\n'
    )
    assert cli("sources", "sync", str(good), cwd=workdir).returncode == 0
    listed = json.loads(cli("sources", "list", "--json", cwd=workdir).stdout)
    assert [(s["id"], s["council"]) for s in listed] == [("y", "E07000217")]


def test_demo_runs_offline(tmp_path: Path) -> None:
    r = cli("demo", "--dir", str(tmp_path / "demo"), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "Poll 3" in r.stdout and "http_404" in r.stdout
    hits = json.loads(
        cli(
            "--config",
            str(tmp_path / "demo" / "config.toml"),
            "search",
            "council",
            "--json",
            cwd=tmp_path,
        ).stdout
    )
    assert len(hits) >= 3


def test_kill_during_fetch_loses_nothing_and_stores_nothing_twice(tmp_path: Path) -> None:
    """SIGKILL in the middle of a fetch: the database stays consistent, and the next fetch
    completes the work without duplicating anything."""
    import signal
    import sqlite3

    from tests.conftest import wait_until

    with DevServer() as srv:
        feed = DEMO_DATA / "feeds" / "bbc_sport_liverpool.xml"
        for i in range(12):
            # slow responses so that the kill lands while polls are in flight
            srv.serve_file(f"/f{i}", feed, delay_s=0.05 * i)
        config = tmp_path / "config.toml"
        db = tmp_path / "cm.db"
        config.write_text(
            f'[database]\nurl = "sqlite:///{db}"\n'
            "[fetch]\nallow_private_addresses = true\nmin_delay_s = 0.3\n"
        )
        decl = tmp_path / "sources.toml"
        decl.write_text(
            "".join(
                f'[[source]]\nid = "f{i}"\nkind = "feed"\nurl = "{srv.url(f"/f{i}")}"\n'
                for i in range(12)
            )
        )
        assert cli("init", cwd=tmp_path).returncode == 0
        assert cli("sources", "sync", str(decl), cwd=tmp_path).returncode == 0
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        proc = subprocess.Popen(
            [sys.executable, "-m", "monitor", "fetch"],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        # one host, 0.3 s apart: kill as soon as the first source is stored, while the
        # others are queued or in flight (waiting on the database, not on a clock)
        def stored_one() -> bool:
            if proc.poll() is not None:
                return True
            with contextlib.closing(sqlite3.connect(db, timeout=5)) as probe:
                return bool(
                    probe.execute(
                        "SELECT count(*) FROM source WHERE last_success_at IS NOT NULL"
                    ).fetchone()[0]
                )

        wait_until(stored_one, timeout=60, every=0.05)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        done = conn.execute(
            "SELECT count(*) FROM source WHERE last_success_at IS NOT NULL"
        ).fetchone()[0]
        conn.close()
        assert 0 < done < 12  # killed part-way through the run
        again = cli("fetch", cwd=tmp_path)
        assert again.returncode == 0, again.stderr
        conn = sqlite3.connect(db)
        items, distinct = conn.execute("SELECT count(*), count(DISTINCT url) FROM item").fetchone()
        polled = conn.execute("SELECT count(*) FROM source WHERE last_success_at IS NOT NULL")
        assert polled.fetchone()[0] == 12
        conn.close()
        assert items == distinct == 4  # one copy of each story, seen by twelve sources


def test_classify_jsonl_in_order_with_error_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "a", "text": "Ashbury Council has issued a section 114 notice."}),
        "this is not json",
        json.dumps({"id": "c", "title": "Bins", "text": "Bin collections change next week."}),
        json.dumps({"id": "d"}),
        json.dumps(
            {"id": "e", "text": "The leader of Kingsmere Council lost a vote of no confidence."}
        ),
    ]
    r = cli("classify", "-", cwd=tmp_path, input="\n".join(lines) + "\n")
    assert r.returncode == 0, r.stderr
    results = [json.loads(line) for line in r.stdout.splitlines()]
    assert [x.get("id") for x in results] == ["a", None, "c", "d", "e"]
    assert "financial_distress" in results[0]["tags"]
    assert results[0]["evidence"]["financial_distress"].startswith("Ashbury Council")
    assert set(results[0]["scores"]) == {
        "financial_distress",
        "leadership_conflict",
        "political_instability",
        "governance_failure",
    }
    assert results[1]["line"] == 2 and "not JSON" in results[1]["error"]
    assert results[2]["tags"] == [] and -1 <= results[2]["sentiment"] <= 1
    assert "text" in results[3]["error"]
    assert "political_instability" in results[4]["tags"]


def test_eval_prints_model_and_baseline(tmp_path: Path) -> None:
    labelled = tmp_path / "labelled.jsonl"
    labelled.write_text(
        "\n".join(
            json.dumps(r)
            for r in [
                {
                    "text": "Ashbury Council issues section 114 notice.",
                    "labels": ["financial_distress"],
                    "sentiment": -1,
                },
                {
                    "text": "New playground opens in the park.",
                    "labels": [],
                    "sentiment": 1,
                    "collection": "routine",
                },
            ]
        )
        + "\n"
    )
    r = cli("eval", str(labelled), "--json", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    report = json.loads(r.stdout)
    assert report["model"]["labels"]["financial_distress"]["f1"] == 1.0
    assert report["model"]["routine_false_alarm_rate"] == 0.0
    assert "baseline" in report and "macro_f1_gain" in report
    human = cli("eval", str(labelled), cwd=tmp_path)
    assert "keyword baseline" in human.stdout and "macro-F1" in human.stdout


def test_subscribers_digest_preview_and_replay(tmp_path: Path) -> None:
    assert cli("init", cwd=tmp_path).returncode == 0
    r = cli(
        "subscribers",
        "add",
        "ana",
        "--email",
        "ana@example.org",
        "--council",
        "Woking",
        "--signal",
        "financial_distress",
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr
    bad = cli("subscribers", "add", "eve", "--email", "eve@example.org\r\nBcc: x@y", cwd=tmp_path)
    assert bad.returncode == 2
    listed = json.loads(cli("subscribers", "list", "--json", cwd=tmp_path).stdout)
    assert listed[0]["councils"] == ["E07000217"] and "unsubscribe_token" not in listed[0]
    out = tmp_path / "digest.html"
    preview = cli("digest", "--preview", "ana", "--out", str(out), cwd=tmp_path)
    assert preview.returncode == 0 and "<html" in out.read_text()
    # replay: fictional dated items about one council, building to a notice
    items = [
        {
            "id": "a1",
            "date": "2026-01-10",
            "councils": ["Woking"],
            "url": "https://one.example/a1",
            "text": "Woking Borough Council forecasts an overspend of £12m this year.",
        },
        {
            "id": "a2",
            "date": "2026-02-02",
            "councils": ["Woking"],
            "url": "https://two.example/a2",
            "text": "Auditors raise serious concerns about governance at Woking Borough Council.",
        },
        {
            "id": "a3",
            "date": "2026-02-20",
            "councils": ["Woking"],
            "url": "https://three.example/a3",
            "text": "Woking Borough Council issues a section 114 notice.",
        },
        {
            "id": "r1",
            "date": "2026-02",
            "councils": ["Leeds"],
            "text": "Changes to bin collection days over the bank holiday.",
        },
        {"id": "u1", "date": None, "text": "An undated item."},
    ]
    source = tmp_path / "items.jsonl"
    source.write_text("\n".join(json.dumps(i) for i in items) + "\n")
    r = cli("replay", str(source), cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    alerts = [json.loads(line) for line in r.stdout.splitlines()]
    assert [a["gss"] for a in alerts] == ["E07000217"]
    alert = alerts[0]
    for key in ("gss", "name", "opened", "severity", "labels", "items"):
        assert key in alert
    assert alert["opened"] <= "2026-02-20" and set(alert["items"]) <= {"a1", "a2", "a3"}
    assert "1 undated skipped" in r.stderr
