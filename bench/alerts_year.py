"""Alerting benchmark: a generated year of news for 50 councils, 5 of them with a crisis
building, replayed through linking, stories, classification and detection.

Every council gets routine news (about three items a week) and, as in life, a few stray
signal items a year (an isolated overspend story, one inspection); the crisis councils
get signal stories that thicken over twenty weeks towards a peak (a section 114 notice
or commissioners), each carried by several outlets.  Texts come from the team's training
lines filled with fictional names; the councils' real GSS codes are only identifiers.

It prints when each crisis council first alerted against its peak, and which of the
other 45 ever alerted.  Aim: every crisis council alerts before its peak; two or fewer
others alert.  Also: the same replay on the eval sets' dated items (Bradford, Spelthorne,
Hastings), when ../shared/eval is present.

    python bench/alerts_year.py [--seed 1] [--stray 4]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from models.data.names import fill  # noqa: E402
from models.dataset import load_lines  # noqa: E402
from models.rules import apply_rules  # noqa: E402
from monitor.config import load_settings  # noqa: E402
from monitor.register import load_register  # noqa: E402
from monitor.replay import replay  # noqa: E402
from monitor.types import FORMAL_RULES  # noqa: E402

START = date(2025, 1, 6)


def _is_formal(template: str) -> bool:
    """Would a statutory-event rule fire on this line?"""
    probs = dict.fromkeys(
        (
            "financial_distress",
            "leadership_conflict",
            "political_instability",
            "governance_failure",
        ),
        0.0,
    )
    _, fired = apply_rules(template, probs)
    return bool(set(fired) & FORMAL_RULES)


def pools() -> tuple[list[str], dict[str, list[str]], list[str]]:
    """Routine lines; single-signal lines that are *not* statutory events (strays and
    the build-up); statutory events (the peak)."""
    routine, by_label, formal = [], {}, []
    for line in load_lines():
        if not line.labels:
            routine.append(line.template)
        elif _is_formal(line.template):
            if line.sentiment < 0:
                formal.append(line.template)
        elif len(line.labels) == 1:
            by_label.setdefault(line.labels[0], []).append(line.template)
    return routine, by_label, formal


def generate(seed: int, stray_per_year: int) -> tuple[list[dict], dict[str, date]]:
    rng = random.Random(seed)
    routine, by_label, formal = pools()
    councils = [c.gss for c in load_register().current()]
    chosen = rng.sample(councils, 50)
    crisis = {gss: START + timedelta(days=rng.randint(150, 330)) for gss in chosen[:5]}
    rows: list[dict] = []

    def add(
        gss: str,
        day: date,
        template: str,
        outlets: int = 1,
        first_outlet: int = 0,
        kind: str = "routine",
    ) -> None:
        text = fill(template, rng)
        for o in range(first_outlet, first_outlet + outlets):
            rows.append(
                {
                    "id": f"{gss}-{len(rows)}",
                    "kind": kind,
                    "text": text,
                    "councils": [gss],
                    "date": (day + timedelta(days=o % 2)).isoformat(),
                    "url": f"https://outlet{o}.example/{gss}/{len(rows)}",
                }
            )

    labels = sorted(by_label)
    for gss in chosen:
        for week in range(52):
            for _ in range(3):
                add(gss, START + timedelta(days=7 * week + rng.randint(0, 6)), rng.choice(routine))
        for _ in range(stray_per_year):  # isolated signal items, months apart at random
            template = rng.choice(by_label[rng.choice(labels)])
            add(
                gss,
                START + timedelta(days=rng.randint(0, 364)),
                template,
                first_outlet=rng.randint(0, 9),
                kind="stray",
            )
    for gss, peak in crisis.items():
        main = rng.choice(["financial_distress", "governance_failure"])
        for week in range(20, 0, -1):  # weeks before the peak: thin, then thicker
            if week > 12 and rng.random() < 0.5:
                continue
            day = peak - timedelta(days=7 * week - rng.randint(0, 6))
            label = main if week > 10 or rng.random() < 0.5 else rng.choice(labels)
            add(
                gss,
                day,
                rng.choice(by_label[label]),
                outlets=rng.randint(1, 3),
                first_outlet=rng.randint(0, 9),
            )
        add(gss, peak, rng.choice(formal), outlets=4)
    return rows, crisis


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--stray", type=int, default=4, help="stray signal items per council per year"
    )
    args = parser.parse_args()
    settings = load_settings(None, env={}, use_default_file=False)
    rows, crisis = generate(args.seed, args.stray)
    began = time.monotonic()
    result = replay(rows, settings)
    first: dict[str, str] = {}
    for alert in result.alerts:
        first.setdefault(alert["gss"], alert["opened"])
    names = {c.gss: c.name for c in load_register()}
    print(
        f"{len(rows)} items for 50 councils over a year, replayed in "
        f"{time.monotonic() - began:.0f}s; {len(result.alerts)} alert(s)"
    )
    before = 0
    for gss, peak in sorted(crisis.items(), key=lambda kv: kv[1]):
        opened = first.get(gss)
        lead = (peak - date.fromisoformat(opened)).days if opened else None
        before += bool(lead is not None and lead > 0)
        print(
            f"  crisis {names[gss][:40]:40s} peak {peak}  first alert {opened or 'never'}"
            + (f" ({lead} days before)" if lead is not None else "")
        )
    others = sorted(g for g in first if g not in crisis)
    print(f"crisis councils alerting before their peak: {before}/5 (aim 5/5)")
    print(
        f"other councils that ever alerted: {len(others)}/45 (aim <= 2)"
        + (": " + ", ".join(f"{names[g]} ({first[g]})" for g in others) if others else "")
    )
    kinds = {r["id"]: r.get("kind", "") for r in rows}
    for alert in result.alerts:
        if alert["gss"] not in crisis:
            made_of = Counter(kinds.get(i, "?") for i in alert["items"])
            print(
                f"    {names[alert['gss']][:40]:40s} {alert['opened']} {alert['severity']:8s} "
                f"rules {','.join(alert['rules'])}; items: "
                + ", ".join(f"{n} {k}" for k, n in made_of.most_common())
            )
    _eval_replay(settings)


def _eval_replay(settings: object) -> None:
    files = [ROOT.parent / "shared" / "eval" / n for n in ("dev.jsonl", "dev_extra.jsonl")]
    if not all(f.exists() for f in files):
        return
    rows = [json.loads(line) for f in files for line in f.read_text().splitlines() if line]
    routine_only = {c for r in rows if r.get("collection") == "routine" for c in r["councils"]}
    routine_only -= {c for r in rows if r.get("collection") != "routine" for c in r["councils"]}
    result = replay(rows, settings)  # type: ignore[arg-type]
    print(
        f"\neval sets replayed: {result.items} dated items, {result.skipped_undated} "
        f"undated skipped, {len(result.alerts)} alert(s)"
    )
    for alert in result.alerts:
        print(
            f"  {alert['opened']} {alert['name'][:42]:42s} {alert['severity']:8s} "
            f"{','.join(alert['labels'])}  [{', '.join(alert['rules'])}]"
        )
    register = load_register()
    alerted = {a["gss"] for a in result.alerts}
    wrong = [n for n in routine_only if register.find(n) and register.find(n)[0].gss in alerted]
    print(f"councils that appear only in routine items and alerted: {len(wrong)} {wrong}")


if __name__ == "__main__":
    main()
