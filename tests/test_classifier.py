"""The classifier: the quality gate on our own held-out lines, the output contract, the
rules, and the int8 model agreeing with the fp32 reference."""

from __future__ import annotations

import json
import random
import re
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from models.classifier import Classifier, _rule_label
from models.data.names import fill
from models.dataset import load_lines
from models.evaluate import KeywordBaseline, evaluate
from models.labels import LABELS, LETTERS
from models.network import MAX_TOKENS
from models.rules import RULES, apply_rules
from models.sentences import split_sentences
from models.train import ARTIFACTS, TrainConfig, is_current, split

FIXTURES = Path(__file__).resolve().parent / "fixtures"
FLOORS = json.loads(
    (Path(__file__).resolve().parent.parent / "models" / "quality_floors.json").read_text()
)


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    if not is_current(ARTIFACTS, TrainConfig()):
        pytest.fail(
            "the trained model is missing or stale: run `council-monitor train` (make does this)"
        )
    return Classifier(ARTIFACTS)


def _probe_rows() -> list[tuple[str, str]]:
    """(label letter or "-", sentence) for each line of the probe file."""
    text = (FIXTURES / "domain_probes.tsv").read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            letter, sentence = line.split("\t", 1)
            rows.append((letter, sentence))
    return rows


@pytest.fixture(scope="module")
def heldout_rows() -> list[dict]:
    _, _, heldout = split(TrainConfig())
    return [
        {
            "text": e.text,
            "labels": list(e.labels),
            "sentiment": e.sentiment,
            "collection": "" if e.labels else "routine",
        }
        for e in heldout
    ]


def test_quality_gate_on_our_heldout_lines(
    classifier: Classifier, heldout_rows: list[dict]
) -> None:
    predictions = classifier.predict([r["text"] for r in heldout_rows])
    report = evaluate(heldout_rows, "model", lambda _: [(p.tags, p.sentiment) for p in predictions])
    for label, floor in FLOORS["f1"].items():
        assert report.per_label[label].f1 >= floor, (label, report.to_json())
    assert report.macro_f1 >= FLOORS["macro_f1"]
    assert report.sentiment_agreement >= FLOORS["sentiment_sign_agreement"]
    assert report.routine_false_alarm_rate <= FLOORS["routine_false_alarm_rate_max"]
    keywords = KeywordBaseline()
    baseline = evaluate(heldout_rows, "kw", lambda rs: [keywords.labels(r["text"]) for r in rs])
    assert report.macro_f1 >= baseline.macro_f1 + 0.15


def test_plain_statements_of_each_domain_entry(classifier: Classifier) -> None:
    """Sentences of our own, one or more per entry of DOMAIN.md's two columns: a signal
    told plainly is found (other tags beside it are allowed) and a thing that does not
    count raises nothing.  Before the rules of 2026-12-04, 10 of 118 were wrong, among them
    "The council has a budget gap of £20m" read at 0.01."""
    rows = _probe_rows()
    predictions = classifier.predict([text for _, text in rows])
    wrong = [
        (letter, text, p.tags)
        for (letter, text), p in zip(rows, predictions, strict=True)
        if (letter == "-" and p.tags) or (letter != "-" and LETTERS[letter] not in p.tags)
    ]
    assert len(rows) >= 110
    assert len(wrong) <= FLOORS["probes_max_wrong"], wrong


def test_a_council_is_judged_on_what_it_did_not_on_being_named(classifier: Classifier) -> None:
    """Each held-out line that names a council, filled twice alike except that the second
    says "the council" (as a story does after its first sentence): the tags must mostly
    agree, and signals must still be found without the name.  A model that learnt the
    name as evidence found 0.67 of signals without it against 0.90 with it."""
    lines = [
        line
        for line in load_lines()
        if line.heldout and re.search(r"\{C\}|\{c\} council", line.template)
    ]
    # the same random draws for both, so people, places and sums are the same in each pair
    unnamed = [
        line.template.replace("{c} council", "the council").replace("{C}", "the council")
        for line in lines
    ]
    named = [fill(line.template, random.Random(i)) for i, line in enumerate(lines)]
    generic = [fill(template, random.Random(i)) for i, template in enumerate(unnamed)]
    assert all("{" not in text for text in named + generic) and named != generic
    with_name, without = classifier.predict(named), classifier.predict(generic)
    floors = FLOORS["council_named_or_not"]
    agree = sum(a.tags == b.tags for a, b in zip(with_name, without, strict=True)) / len(lines)
    assert agree >= floors["tags_agree"], agree
    signals = [i for i, line in enumerate(lines) if line.labels]
    found = sum(set(without[i].tags) >= set(lines[i].labels) for i in signals) / len(signals)
    assert found >= floors["signals_found_without_name"], found


def test_heldout_lines_are_never_trained_on() -> None:
    train, calibration, heldout = split(TrainConfig())
    held = {line.template for line in load_lines() if line.heldout}
    assert held and len(heldout) == len(held)
    sources = {e.source for e in train} | {e.source for e in calibration}
    assert not sources & {e.source for e in heldout}


def test_prediction_contract(classifier: Classifier) -> None:
    p = classifier.predict_one(
        "Ashbury Borough Council has issued a section 114 notice. The leader said "
        "residents should not worry about bin collections.",
        title=None,
    )
    assert set(p.scores) == set(LABELS)
    assert all(0.0 <= v <= 1.0 for v in p.scores.values())
    assert "financial_distress" in p.tags
    assert p.evidence["financial_distress"].startswith("Ashbury Borough Council has issued")
    assert -1.0 <= p.sentiment < 0
    assert set(p.evidence) == set(p.tags)


@pytest.mark.parametrize(
    "text,label",
    [
        (
            "Councillors pass a motion of no confidence in the leader of Kingsmere Council.",
            "political_instability",
        ),
        (
            "The government has sent commissioners into Westhaven District Council.",
            "governance_failure",
        ),
        (
            "Linwick City Council's chief executive has been suspended pending an investigation.",
            "leadership_conflict",
        ),
        (
            "Eastbrook Council is now under no overall control after the elections.",
            "political_instability",
        ),
    ],
)
def test_unambiguous_events_are_tagged(classifier: Classifier, text: str, label: str) -> None:
    assert label in classifier.predict_one(text).tags


@pytest.mark.parametrize(
    "text",
    [
        "Changes to bin collection days over the bank holiday weekend.",
        "The chief executive of Oakhurst Council is to retire next spring after twenty years.",
        "Government intervention at Fernley Council ends as commissioners leave.",
        "Oakhurst Council reports an underspend of £1.2m for the year.",
        "MPs hold a vote of no confidence in the government.",
        "A local bakery has gone bankrupt after forty years of trading.",
    ],
)
def test_things_that_do_not_count(classifier: Classifier, text: str) -> None:
    assert classifier.predict_one(text).tags == []


def test_rules_raise_and_cap() -> None:
    raised, fired = apply_rules(
        "The council issued a section 114 notice.", dict.fromkeys(LABELS, 0.1)
    )
    assert raised["financial_distress"] >= 0.9 and "s114" in fired
    capped, fired = apply_rules(
        "The council reported an underspend of £2m.",
        {**dict.fromkeys(LABELS, 0.1), "financial_distress": 0.9},
    )
    assert capped["financial_distress"] <= 0.3 and "cap:underspend" in fired
    ended, _ = apply_rules(
        "Commissioners leave the council as intervention ends.", dict.fromkeys(LABELS, 0.1)
    )
    assert ended["governance_failure"] == 0.1
    # a government-appointed panel standing down is the end of an intervention
    ended, _ = apply_rules(
        "The improvement and assurance panel overseeing the council will stand down in the spring.",
        dict.fromkeys(LABELS, 0.1),
    )
    assert ended["governance_failure"] == 0.1


@pytest.mark.parametrize(
    ("sentence", "rule"),
    [
        ("Fernley Council will come under the control of three commissioners.", "commissioners"),
        (
            "Ministers have directed Fernley Council to follow the instructions of commissioners.",
            "commissioners",
        ),
        (
            "A ministerial board has been appointed to oversee improvement at Oakhurst Council.",
            "commissioners",
        ),
        (
            "Whitehall is sending a hit squad to take over the running of the town hall.",
            "commissioners",
        ),
        (
            "The council's education service has been placed in special measures.",
            "special_measures",
        ),
        ("Oakhurst is now on its fourth chief executive in three years.", "officer_turnover"),
        (
            "Auditors raised serious concerns about Fernley's ability to set a balanced budget.",
            "auditor_warning",
        ),
        ("Care costs have blown a £6m hole in this year's budget.", "budget_gap"),
        ("After the defections no group now holds a majority.", "no_overall_control"),
        ("Ministers warned that the council could face intervention.", "commissioners"),
        (
            "A damning report has criticised the council's handling of housing repairs.",
            "damning_report",
        ),
        ("The mayor bullied staff, an investigation found.", "complaints_at_the_top"),
        ("The council has had four monitoring officers in eighteen months.", "officer_turnover"),
        ("The borough is set for a government takeover after its losses.", "commissioners"),
        (
            "An inspector will examine whether Oakhurst Council is meeting its best value duty.",
            "best_value",
        ),
        (
            "The chief executive left with a £300,000 pay-off agreed by the leader.",
            "officer_payoff",
        ),
        (
            "The golden handshake for the departing chief executive is under review.",
            "officer_payoff",
        ),
        (
            "Oakhurst councillors met in private to discuss suspended chief executive Jo Bell.",
            "officer_suspended",
        ),
        (
            "A settlement package would see the monitoring officer leave at the end of June.",
            "officer_payoff",
        ),
        (
            "Bullying complaints against the council leader go to the standards committee.",
            "complaints_at_the_top",
        ),
        (
            "A whistleblower has accused senior officers of covering up the overspend.",
            "complaints_at_the_top",
        ),
        (
            "There have been complaints from two directors about the conduct of the deputy leader.",
            "complaints_at_the_top",
        ),
        (
            "Independents formed a new administration after the previous one fell in May.",
            "coalition_collapse",
        ),
        (
            "The ombudsman found a pattern of failings in the council's handling of repairs.",
            "ombudsman_systemic",
        ),
        ("Adult care is on course to overspend by £7m this year.", "overspend"),
        ("Fernley's reserves are dwindling as costs rise.", "reserves_exhausted"),
        ("The losses wiped out most of the council's reserves.", "reserves_exhausted"),
        ("The council paid its former chief executive £250,000 to leave.", "officer_payoff"),
        (
            "The auditor has used its statutory powers to make recommendations to Fernley.",
            "statutory_recommendations",
        ),
        ("Oakhurst coalition in turmoil after partners walk out", "coalition_collapse"),
        (
            "The general fund balance is forecast to fall below the minimum prudent level.",
            "reserves_exhausted",
        ),
        ("Town hall chief suspended pending an inquiry", "officer_suspended"),
        ("Rising placement costs have blown the budget again.", "overspend"),
        (
            "The position of the chief executive is now untenable, opposition councillors say.",
            "officer_untenable",
        ),
        (
            "Two public interest reports into the council were published today.",
            "public_interest_report",
        ),
        (
            "The auditor concluded that two payments to the leader were unlawful.",
            "auditor_unlawful",
        ),
        (
            "Ministers have extended their inspection of Fernley Council to 2026.",
            "government_inspection",
        ),
        (
            "An inspection into Oakhurst County Council was ordered in January.",
            "government_inspection",
        ),
        (
            "Oakhurst County Council should be abolished, says a report from a government "
            "inspector.",
            "government_inspection",
        ),
        (
            "The inspector sent into the troubled authority will report in the spring.",
            "government_inspection",
        ),
        (
            "An inspector appointed by the Secretary of State is reviewing Fernley Council.",
            "government_inspection",
        ),
        ("Commissioners will remain at Oakhurst Council until 2027.", "commissioners"),
        (
            "Fernley Council has asked the government for permission to raise council tax by 12%.",
            "council_tax_above_limit",
        ),
        (
            "Ministers agreed to let the council put council tax up by 9.99% next year.",
            "council_tax_above_limit",
        ),
        (
            "The council wants to raise council tax above the referendum limit.",
            "council_tax_above_limit",
        ),
        (
            "The elections left Oakhurst Council with no overall majority.",
            "no_overall_control",
        ),
        ("No party won a majority on Fernley Council.", "no_overall_control"),
        ("The council has a budget gap of £20m for 2026/27.", "budget_gap"),
        ("Fernley Council has still not closed its £9m funding gap.", "budget_gap"),
        ("Oakhurst faces a £30m black hole in its finances.", "budget_gap"),
        (
            "An independent review found a culture of secrecy at the top of Fernley Council.",
            "review_finds_failings",
        ),
        (
            "The Accounts Commission will hold a hearing on the Controller of Audit's report "
            "on Oakhurst Council.",
            "accounts_commission",
        ),
        ("Cuts are proposed as the council struggles to balance its books.", "budget_gap"),
        (
            "Fernley will have to draw on its last remaining reserves to get through the year.",
            "reserves_exhausted",
        ),
        (
            "Fernley's section 151 officer quit after a row with the leader over the budget.",
            "officer_dispute",
        ),
        ("The leader and the chief executive of Oakhurst are at loggerheads.", "officer_dispute"),
        (
            "Oakhurst's former chief executive has lodged an employment tribunal claim.",
            "officer_dispute",
        ),
        (
            "Members of her own group have launched a leadership challenge against the "
            "council leader.",
            "leadership_challenge",
        ),
        (
            "The council leader resigned after losing the support of his own group.",
            "leadership_challenge",
        ),
        (
            "Staff lodged complaints about the behaviour of the deputy leader.",
            "complaints_at_the_top",
        ),
    ],
)
def test_rules_read_domain_words(sentence: str, rule: str) -> None:
    [spec] = [r for r in RULES if r.name == rule]
    raised, names = apply_rules(sentence, dict.fromkeys(LABELS, 0.1))
    assert rule in names and raised[spec.label] >= spec.floor


@pytest.mark.parametrize(
    "sentence",
    [
        # setting council tax within the limit is routine (DOMAIN.md)
        "Council tax will rise by 4.99% from April, the most allowed without a referendum.",
        "The government allows councils to raise council tax by up to 6% without a vote.",
        "The council ruled out asking the government for leave to raise council tax by 10%.",
        "Council tax rises 8% after the Welsh Government settlement, the council said.",
        # a gap that was closed, or the whole sector's, is not a council in difficulty
        "The council closed its £4m budget gap with savings it had planned last year.",
        "Councils across England face a funding gap of £2bn next year, the LGA says.",
        "The council has no budget gap for the coming year.",
        "The draft budget has a gap of £6m that officers expect to close with planned savings.",
        # a fear dismissed, an officer dismissing a complaint, money called inadequate
        "Bankruptcy fears were dismissed as the council reported a surplus.",
        "A review of the academy found serious failings in leadership and management.",
        # a departure or a challenge with nothing wrong told
        "The chief executive is leaving to take up a post at a neighbouring council.",
        "The council leader saw off a leadership challenge from within her group.",
        "The opposition group has launched a leadership contest to replace its leader.",
        "The Accounts Commission has published its annual overview of local government.",
        "The monitoring officer dismissed a complaint against a Fernley councillor.",
        "The finance director warned that the council's reserves are inadequate.",
        # a national election is not a council's
        "The general election could leave parliament with no overall majority.",
        # a school's special measures, or a service that left them; turnover over decades;
        # the council's own pothole "hit squad"; a national programme's board
        "A primary school in Fernley has been placed in special measures.",
        "The council's education service was removed from special measures last year.",
        "The council appointed its third chief executive in twenty years.",
        "A pothole hit squad will be sent out across the borough this week.",
        "Ministers have set up a ministerial board to oversee free school meals nationally.",
        "A damning report on the hospital trust was discussed by the council's scrutiny panel.",
        "Councils across England could face intervention if they miss the deadline.",
        "Fans have passed a vote of no confidence in the club's owners.",
        "The auditor said there were no significant concerns about the council's finances.",
        "Auditors warn of pressure on the finances of councils across England.",
    ],
)
def test_routine_statements_raise_no_rule(sentence: str) -> None:
    _, names = apply_rules(sentence, dict.fromkeys(LABELS, 0.1))
    assert not [n for n in names if not n.startswith("cap:")]


@pytest.mark.parametrize(
    "sentence",
    [
        "So far no 'significant weaknesses' have been found in its value for money arrangements.",
        "Its children's services were rated good, two years after an 'inadequate' rating.",
        "Commissioners sent in three years ago will be gone by the end of the month.",
        "The council gets its powers back from ministers once the intervention ends in May.",
        "The auditor found nothing unlawful in the payments to the chief executive.",
        "The government inspection of Fernley Council ends next month.",
        "The government has ordered inspections of schools across the county.",
        "Government inspectors praised the council's handling of the floods.",
        "The government appointed a planning inspector, who allowed the appeal for 200 homes.",
    ],
)
def test_what_ends_or_is_denied_is_not_a_governance_failure(sentence: str) -> None:
    adjusted, names = apply_rules(
        sentence, {**dict.fromkeys(LABELS, 0.1), "governance_failure": 0.9}
    )
    assert not [n for n in names if not n.startswith("cap:")]
    assert adjusted["governance_failure"] <= 0.9


def test_rules_and_caps_agree_with_our_own_labels() -> None:
    """Every filled example of our training data (train, calibration and held-out): a rule
    that fires on it names one of its labels, and a cap that fires on it does not deny one
    of them.  A rule that contradicts the lines it was written beside is a rule that will
    contradict real reporting too (2026-12-04: nine did)."""
    train_set, calibration, heldout = split(TrainConfig())
    contradictions = []
    for example in {e.text: e for e in train_set + calibration + heldout}.values():
        _, fired = apply_rules(example.text, dict.fromkeys(LABELS, 0.9))
        for name in fired:
            label = _rule_label(name)
            if name.startswith("cap:") == (label in example.labels):
                contradictions.append((name, example.labels, example.text))
    assert not contradictions, contradictions[:5]


def test_cues_never_hide_a_match() -> None:
    """The cues of a rule or cap only spare it a search: on every sentence of our lines
    and probes, a trigger that matches has one of its cues in the sentence, and the rules
    give exactly what they give without cues."""
    from models.rules import CAPS, fold

    train_set, calibration, heldout = split(TrainConfig())
    texts = [e.text for e in train_set + calibration + heldout]
    texts += [text for _, text in _probe_rows()]
    cued = [r for r in (*RULES, *CAPS) if r.cues]
    assert len(cued) == len(RULES) + len(CAPS)
    checked = 0
    for sentence in (s for text in texts for s in split_sentences(text)):
        folded = fold(sentence)
        for rule in cued:
            if rule.trigger.search(sentence):
                checked += 1
                assert any(cue in folded for cue in rule.cues), (rule.name, sentence)
    assert checked > 1500


def test_no_confidence_in_an_officer_is_not_political() -> None:
    """A union's vote of no confidence in the chief executive is a leadership conflict;
    it says nothing about who controls the council."""
    _, names = apply_rules(
        "Unison members at Fernley Council pass a vote of no confidence in the chief executive.",
        dict.fromkeys(LABELS, 0.1),
    )
    assert "no_confidence_l" in names and "no_confidence_p" not in names
    _, names = apply_rules(
        "Councillors will debate a motion of no confidence in the leader of Fernley Council.",
        dict.fromkeys(LABELS, 0.1),
    )
    assert {"no_confidence_l", "no_confidence_p"} <= set(names)


def test_an_extended_intervention_is_not_capped() -> None:
    adjusted, names = apply_rules(
        "The intervention at Fernley Council has been extended for another year.",
        {**dict.fromkeys(LABELS, 0.1), "governance_failure": 0.9},
    )
    assert adjusted["governance_failure"] == 0.9 and names == []


@pytest.mark.parametrize(
    ("sentence", "label", "capped"),
    [
        # DOMAIN.md: defections that leave control unchanged are routine politics
        ("A Fernley councillor has defected from Labour to the Greens.", "P", True),
        ("Two councillors switched sides, but the administration keeps its majority.", "P", True),
        ("The defection of two councillors costs Labour its majority.", "P", False),
        ("Two defections have cost the ruling group its majority.", "P", False),
        ("Control of Fernley Council changes hands after a defection.", "P", False),
        ("Fernley's ruling group suffers its third defection in a month.", "P", False),
        # DOMAIN.md: high turnover of senior staff is a leadership conflict
        ("Fernley Council appoints its fourth interim chief executive in three years.", "L", False),
        ("Commissioners said turnover has left nobody accountable for housing.", "G", False),
        ("A councillor's defection leaves Fernley Council in no overall control.", "P", False),
        ("Cllr Smith has joined the Conservatives after a year as an independent.", "P", True),
        # a leader sharing out portfolios, unless a row forced the reshuffle
        ("The leader of Fernley Council has announced a cabinet reshuffle.", "P", True),
        ("Two cabinet members were sacked in a reshuffle after the budget rebellion.", "P", False),
        # DOMAIN.md: a planned stepping down is not instability; one under pressure is
        (
            "The leader of Fernley Council is standing down after eight years in the role.",
            "P",
            True,
        ),
        ("Cllr Smith will step down as leader at the next election, as planned.", "P", True),
        ("The leader is to retire from the council in May.", "P", True),
        (
            "The leader is standing down after two years, days before a no confidence vote.",
            "P",
            False,
        ),
        ("The leader stepped down after a revolt by his own councillors.", "P", False),
        # spending on services is not distress unless the money is short
        ("The council will spend nearly £8m over five years fixing potholes and roads.", "F", True),
        ("The council will invest £2m in its parks despite a £10m budget gap.", "F", False),
        # DOMAIN.md: a clear single-party majority is not instability
        (
            "Labour held on to its majority on Fernley Council despite losing three seats.",
            "P",
            True,
        ),
        ("Fernley's ruling group remains the largest with a comfortable majority.", "P", True),
        ("Labour kept control of Fernley for a decade before losing its majority.", "P", False),
        # a clean audit, unless the same item reports a finding
        (
            "Auditors reported no significant weaknesses in Fernley Council's arrangements.",
            "G",
            True,
        ),
        ("The auditor gave the county an unqualified opinion on its accounts.", "G", True),
        (
            "Auditors found no significant weaknesses in planning but made statutory "
            "recommendations on its finances.",
            "G",
            False,
        ),
        # a climate or nature emergency is a policy, not a financial emergency
        ("Oakhurst County Council has declared a nature emergency.", "F", True),
        (
            "Fernley declared a climate emergency in 2019 and now faces a £9m budget gap.",
            "F",
            False,
        ),
        # a provider rated inadequate is not the council's failing; a council-run one may be
        ("A primary school in Fernley has been rated inadequate by Ofsted.", "G", True),
        ("A council-run care home in Oakhurst was rated inadequate by inspectors.", "G", False),
        ("The county's police force has been told to improve by inspectors.", "G", True),
        # income ahead of budget is not distress; costs ahead of it may be
        ("Fernley Council earned more interest on its cash than it had budgeted.", "F", True),
        ("Interest costs on the council's borrowing are higher than expected.", "F", False),
        # a risk register's amber rating is routine; a financial risk raised to red is not
        ("The risk relating to the medium term financial plan was rated amber.", "F", True),
        ("The financial resilience risk has been raised to red as reserves run low.", "F", False),
        # a plea for government money for a service is rhetoric; the council going bust is not
        ("Libraries could close without extra funding from the government.", "F", True),
        # paying debt down, unless it takes selling assets
        ("The council has repaid £10m of debt early, saving on interest costs.", "F", True),
        ("The council is selling assets to repay its debts.", "F", False),
        ("Fernley could go bust without extra funding from the government.", "F", False),
        # finances reported sound; the sector's finances; an ordinary employee's tribunal;
        # leaving a government-appointed board
        ("Auditors say Fernley's finances are on a firm footing.", "F", True),
        ("Auditors say Fernley's finances are on a firm footing.", "G", True),
        ("Fernley is no longer in a strong financial position, auditors warn.", "F", False),
        ("A think tank warns of pressure on council finances across England.", "F", True),
        ("Fernley is among councils across England warning of a section 114 notice.", "F", False),
        ("A tribunal ordered the council to pay £8.5m to a former employee.", "L", True),
        ("A tribunal found the former chief executive was unfairly dismissed.", "L", False),
        ("Oakhurst exits its government-appointed improvement board early.", "G", True),
        # one data breach fined by the regulator is a single finding
        ("The council was fined £40,000 by the Information Commissioner.", "G", True),
        ("The ICO found a series of breaches amid systemic failings at the council.", "G", False),
        ("Labour lost a seat at the by-election but keeps a large majority.", "P", True),
        # defections that leave no group with a majority change control
        ("Two councillors defected to Reform, but Labour keeps its majority.", "P", True),
        (
            "Following the defection of two members, no group now holds a majority on the council.",
            "P",
            False,
        ),
        # another body's money trouble, unless the council stands to lose by it
        ("The hospital trust in Fernley is heading for a £12m deficit.", "F", True),
        ("Struggling rugby club seeks new owners before the season starts.", "F", True),
        ("The arena company the council lent £9m to has gone into administration.", "F", False),
        ("Oakhurst's dedicated schools grant deficit has reached £20m.", "F", False),
        ("The NHS trust warned that the council faces a £15m deficit.", "F", False),
        ("The struggling council asked the hospital trust for help.", "F", False),
        # money collected or recovered, small debts written off, a pension fund's valuation
        ("Fernley has recovered £300,000 of unpaid council tax through the courts.", "F", True),
        ("The council recovered only £2m of the £20m it lost on the scheme.", "F", False),
        ("Councillors agreed to write off £40,000 of irrecoverable rent arrears.", "F", True),
        ("The council will write off £30m lent to its housing company.", "F", False),
        ("The pension fund's value rose by £90m over the year.", "F", True),
        ("Officers hope to avoid a projected overspend by delaying repairs.", "F", True),
        # another body's leaders and inspections, unless the council is named beside them
        ("The hospital trust's chief executive has been suspended.", "L", True),
        (
            "The council suspended its chief executive, a former hospital trust director.",
            "L",
            False,
        ),
        ("The university's vice-chancellor was forced out by the senate.", "P", True),
        ("Inspectors found serious failings at the town's prison.", "G", True),
        ("Oakhurst's children's services have moved from inadequate to good.", "G", True),
        ("Fernley has balanced its budget without using reserves.", "F", True),
        ("Fernley balanced its budget only by using £5m of reserves.", "F", False),
        ("Children's services fell from good to inadequate.", "G", False),
        ("The council's care homes were rated inadequate by inspectors.", "G", False),
        ("The council cannot avoid a £5m overspend and must draw on reserves.", "F", False),
        ("Rising pension fund contributions add to the pressure on the budget.", "F", False),
    ],
)
def test_routine_politics_and_spending_are_capped(sentence: str, label: str, capped: bool) -> None:
    name = LETTERS[label]
    adjusted, names = apply_rules(sentence, {**dict.fromkeys(LABELS, 0.1), name: 0.9})
    assert (adjusted[name] <= 0.3) is capped, names


@pytest.mark.parametrize(
    "sentence",
    [
        "The school's headteacher left with a pay-off after the academy merger.",
        "The council has launched an anti-bullying campaign in schools with the leader's support.",
    ],
)
def test_leadership_rules_leave_other_bodies_alone(sentence: str) -> None:
    raised, _ = apply_rules(sentence, dict.fromkeys(LABELS, 0.1))
    assert raised["leadership_conflict"] == 0.1


def test_other_reserves_are_not_the_councils_money() -> None:
    probs = dict.fromkeys(LABELS, 0.1)
    assert "reserves_exhausted" not in apply_rules("Water reserves are running low.", probs)[1]
    assert "reserves_exhausted" in apply_rules("The council's reserves are running low.", probs)[1]


def test_no_overall_control_as_news_not_as_a_description() -> None:
    """DOMAIN.md counts no overall control after an election; a council long without a
    majority, described in passing, is not news of instability."""
    probs = dict.fromkeys(LABELS, 0.1)
    for described in (
        "The council, which has been under no overall control since 2019, set its budget.",
        "Oakhurst has been in no overall control for the past six years.",
    ):
        adjusted, fired = apply_rules(described, {**probs, "political_instability": 0.9})
        assert "no_overall_control" not in fired and adjusted["political_instability"] <= 0.3
    news = "Fernley Council is in no overall control after Thursday's election."
    assert "no_overall_control" in apply_rules(news, probs)[1]


def test_an_appointment_is_not_a_conflict_unless_a_dispute_is_told() -> None:
    probs = {**dict.fromkeys(LABELS, 0.1), "leadership_conflict": 0.6}
    capped, names = apply_rules(
        "Fernley Council has named Jo Bloggs as its new chief executive.", probs
    )
    assert capped["leadership_conflict"] <= 0.3 and "cap:appointment" in names
    kept, _ = apply_rules(
        "An interim chief executive was appointed after the previous one was suspended.", probs
    )
    assert kept["leadership_conflict"] >= 0.6


@pytest.mark.parametrize(
    ("sentences", "tagged"),
    [
        # every sentence is routine politics: the whole-text reading may not tag it
        (
            [
                "Fernley Council leader announces cabinet reshuffle.",
                "Two backbench councillors join the leader's cabinet in the reshuffle.",
            ],
            False,
        ),
        # the cap's exception is told in another sentence: the whole-text reading stands
        (
            [
                "Two Fernley councillors have joined the Conservatives.",
                "The move gives them overall control of the council.",
            ],
            True,
        ),
    ],
)
def test_a_capped_sentence_does_not_tag_through_the_whole_text(
    sentences: list[str], tagged: bool
) -> None:
    """Each sentence alone scores low, the text read whole scores high: a cap matched in
    a sentence bounds the whole-text score unless its exception appears in the item."""
    name = "political_instability"
    col = LABELS.index(name)
    probs = np.full((1 + len(sentences), len(LABELS)), 0.05)
    probs[0, col] = 0.9
    fake = SimpleNamespace(threshold=0.5)
    prediction = Classifier._combine(fake, probs, np.array([0.3, 0.4, 0.3]), sentences)  # type: ignore[arg-type]
    assert (name in prediction.tags) is tagged


def test_sentence_splitting() -> None:
    assert split_sentences("Cllr. Smith spoke. The £1.5m gap widened.\nHeadline") == [
        "Cllr. Smith spoke.",
        "The £1.5m gap widened.",
        "Headline",
    ]


def test_long_text_is_bounded(classifier: Classifier) -> None:
    text = "The committee noted the report. " * 500
    p = classifier.predict_one(text)
    assert p.tags == []


def test_int8_agrees_with_fp32(classifier: Classifier, heldout_rows: list[dict]) -> None:
    reference = Classifier(ARTIFACTS, runtime="torch")
    texts = [r["text"] for r in heldout_rows]
    fast = classifier.predict(texts)
    slow = reference.predict(texts)
    same = sum(a.tags == b.tags for a, b in zip(fast, slow, strict=True))
    assert same / len(texts) >= 0.97


def test_concurrent_batches_keep_each_result_in_its_place(
    classifier: Classifier, heldout_rows: list[dict]
) -> None:
    """The ONNX runner spreads batches over threads: with the same batches, one thread and
    several must give every item exactly its own scores back."""
    texts = [r["text"] for r in heldout_rows[:120]]
    assert classifier.runner.workers >= 2, "this machine has one core: nothing is tested"
    together = classifier.predict(texts)
    single = Classifier(ARTIFACTS, threads=1)
    assert single.runner.workers == 1
    for a, c in zip(together, single.predict(texts), strict=True):
        assert a.scores == c.scores and a.sentiment == c.sentiment
    # scores differ from item to item, so a shuffled batch could not pass the checks above
    assert len({round(p.scores["financial_distress"], 3) for p in together}) > 40


def test_an_items_reading_does_not_depend_on_what_it_is_classified_with(
    classifier: Classifier, heldout_rows: list[dict]
) -> None:
    """int8 activations are quantised per call, so a padded batch moves a segment's scores
    with its batch-mates (by up to 0.46 on our lines, and 10 of 1,025 texts changed tags,
    2026-12-04); every segment is therefore run alone and unpadded.  Every held-out line must get
    exactly the same scores alone, among the others, and among them in reverse order."""
    texts = [r["text"] for r in heldout_rows]
    together = classifier.predict(texts)
    backwards = classifier.predict(texts[::-1])[::-1]
    alone = [classifier.predict_one(text) for text in texts]
    for a, b, c, text in zip(together, backwards, alone, texts, strict=True):
        assert a.scores == b.scores == c.scores, (text, a.scores, b.scores, c.scores)
        assert a.sentiment == b.sentiment == c.sentiment
    # the check above could fail: lines of one length read together in one call (the
    # graph has no mask, so only equal lengths can share a call) do move
    ids = classifier.tokenizer(texts, truncation=True, max_length=MAX_TOKENS)["input_ids"]
    by_length: dict[int, list[list[int]]] = {}
    for row in ids:
        by_length.setdefault(len(row), []).append(row)
    moved = 0.0
    for rows in (r for r in by_length.values() if len(r) >= 4):
        together_logits, _ = classifier.runner.run(np.asarray(rows, dtype=np.int64))
        each, _ = classifier.runner.run_each(rows)
        moved = max(moved, float(np.abs(together_logits - each).max()))
    assert moved > 0.05


def test_a_graph_exported_by_an_older_version_is_refused_clearly(tmp_path: Path) -> None:
    """Graphs exported before 2026-12-04 (late) also took an attention mask; the runner
    names the cause and the remedy instead of failing on the first item."""
    import onnx
    from onnx import TensorProto, helper

    from models.network import OnnxRunner
    from monitor.errors import ClassifierError

    ids = helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["b", "s"])
    mask = helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["b", "s"])
    out = helper.make_tensor_value_info("labels", TensorProto.INT64, ["b", "s"])
    graph = helper.make_graph(
        [helper.make_node("Add", ["input_ids", "attention_mask"], ["labels"])],
        "old",
        [ids, mask],
        [out],
    )
    path = tmp_path / "old.onnx"
    onnx.save(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]), path)
    with pytest.raises(ClassifierError, match="older version.*train --if-stale"):
        OnnxRunner(path, threads=1)
