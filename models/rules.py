"""High-precision phrase rules, applied per sentence beside the learned model.

The domain has a vocabulary of formal events that are unambiguous whatever the prose
around them: a section 114 notice, a best value notice, commissioners sent in, a report
in the public interest, a motion of no confidence, no overall control.  A rule *raises*
a label's probability to its floor when its trigger matches and none of its vetoes do
(vetoes catch the "does not count" column of DOMAIN.md: an intervention that ends, a
rating of good, a vote of no confidence in the government, a firm that goes bankrupt).

A few *caps* do the opposite for the commonest false alarms: an underspend, a planned
retirement, a good inspection, a ceremonial mayor.  A cap lowers the model's probability
only when no trigger rule fired in the same sentence.  A sentence a cap matches is not
evidence for its label even when the sentence alone scored low, so the classifier also
bounds its whole-text reading by the sentences' own scores (:func:`read_sentence`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from models.regex_cues import cues_for

__all__ = [
    "CAPS",
    "RULES",
    "Cap",
    "Rule",
    "apply_rules",
    "read_sentence",
    "rules_fingerprint",
]

_I = re.IGNORECASE


@dataclass(frozen=True)
class Rule:
    name: str
    label: str
    trigger: re.Pattern[str]
    floor: float
    veto: re.Pattern[str] | None = None
    # words of which the trigger cannot match without one (see models.regex_cues)
    cues: tuple[str, ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        object.__setattr__(self, "cues", cues_for(self.trigger))

    def matches(self, sentence: str, lowered: str) -> bool:
        """``lowered`` is :func:`fold` of the sentence, made once for every rule."""
        if self.cues and not _any_in(self.cues, lowered):
            return False
        return bool(self.trigger.search(sentence)) and not (
            self.veto is not None and self.veto.search(sentence)
        )


@dataclass(frozen=True)
class Cap:
    name: str
    label: str
    trigger: re.Pattern[str]
    ceiling: float
    unless: re.Pattern[str] | None = None
    # words of which the trigger cannot match without one: a cheap test that spares the
    # trigger's search on most sentences.  Read from the pattern (models.regex_cues)
    # unless given: the other-organisation caps name the organisation words, which are
    # rarer than the words their patterns would give
    cues: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.cues:
            object.__setattr__(self, "cues", cues_for(self.trigger))

    def triggered(self, sentence: str, lowered: str) -> bool:
        """``lowered`` is :func:`fold` of the sentence, made once for every cap."""
        if self.cues and not _any_in(self.cues, lowered):
            return False
        return bool(self.trigger.search(sentence))


def fold(sentence: str) -> str:
    """The sentence as the cues are looked for in it: lower case, and for text beyond
    ASCII case-folded, so that every character ``re.IGNORECASE`` takes for an ASCII
    letter becomes that letter (the long s and the Kelvin sign fold; the dotless i, the
    one other, is replaced: checked against every code point)."""
    if sentence.isascii():
        return sentence.lower()
    return sentence.casefold().replace("\u0131", "i")


def _any_in(cues: tuple[str, ...], lowered: str) -> bool:
    return any(cue in lowered for cue in cues)


def _re(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, _I)


_NOT_COUNCIL = _re(
    r"\b(business(es)?|firm|company|companies|shop|bakery|pub|restaurant|club|trader|"
    r"retailer|charity|football|developer|contractor|landlord|tenant|resident)s?\b.{0,40}"
    r"\b(bankrupt|administration|insolven)"
)
# bodies whose confidence votes are not a council's: clubs and their fans, companies, schools
_OTHER_BODY_VOTE = (
    r"\b(club|fans|supporters|owners|shareholders|players|manager|referee|board of "
    r"directors|governors|head ?teacher|principal|vice-chancellor|trust board|police and "
    r"crime (commissioner|panel)|pcc|trustees|senate)\b"
)
_NATIONAL = _re(
    r"\b(prime minister|the government|chancellor|parliament|\bMPs\b|cabinet minister|"
    r"party leader|national leader|premier|first minister)\b"
)
# "no statutory recommendations were made", "did not issue a report in the public interest"
_NO_FINDING = _re(
    r"\b(no|not|nor|without|neither)\b[^.]{0,40}\b(statutory recommendations?|"
    r"public interest|section 114|s114|best value notice)|\b(statutory recommendations?|"
    r"report in the public interest)\b[^.]{0,30}\b(were|was)? ?(not|never) (made|issued)"
)
_ENDED = _re(
    r"\b(end(s|ed|ing)?|lift(s|ed)?|withdraw(n|s)?|exit(s|ed)?|leave|leaves|left|leaving|"
    r"concluded|removed|regain(s|ed)?|handed back|no longer|step(s|ped)? down from|gone|"
    r"pull(s|ed|ing)? out|hand(s|ing)? back|take(s)? back|taking back|took back|reversal|"
    r"stand(s|ing)? down|stood down|disband(s|ed|ing)?|wound up)\b"
)

# bodies other than the council whose finances make local news
_OTHER_BODIES = (
    r"universit(y|ies)|colleges?|academy trusts?|schools?(?! grant)|nhs|hospitals?|health boards?|"
    r"(nhs|hospital|ambulance|health|foundation|academy|arts|theatre) trusts?|ambulance "
    r"services?|police( force| service)?|fire (and rescue )?(services?|authority)|clubs?|"
    r"charit(y|ies)|housing associations?|bus (company|companies|operators?)|airports?|"
    r"brewer(y|ies)|theatres?|cathedrals?|churches|employers?|landlords?"
)
# the same and the other public and private bodies whose leaders, votes and inspections
# make local news beside the council's
_OTHER_ORGANISATIONS = (
    _OTHER_BODIES + r"|fire authorit(y|ies)|police and crime (commissioner|panel)s?|pcc|"
    r"combined authorit(y|ies)|water compan(y|ies)|(care|nursing) homes?|academ(y|ies)|"
    r"private (firm|company)|trustees|prisons?|young offender institutions?"
)
_OTHER_ROLES = (
    r"chief executive|chief exec|ceo|chief fire officer|chief constable|vice-chancellor|"
    r"chair(man|woman)?|principal|head ?teacher|managing director|board|trustees|"
    r"governors|directors?|commissioner"
)
# every alternative of _OTHER_ORGANISATIONS contains one of these
_ORGANISATION_CUES = (
    "universit",
    "college",
    "academ",
    "school",
    "nhs",
    "hospital",
    "health",
    "foundation",
    "arts",
    "theatre",
    "ambulance",
    "police",
    "fire",
    "club",
    "charit",
    "housing assoc",
    "bus ",
    "airport",
    "brewer",
    "cathedral",
    "church",
    "employer",
    "landlord",
    "pcc",
    "combined",
    "water",
    "care home",
    "nursing",
    "private",
    "trustee",
    "prison",
    "offender",
)
# "the hospital trust's chief executive": a possessive organisation and its chief
_POSSESSIVE_CHIEF = rf"\b({_OTHER_ORGANISATIONS})(['’]s)? ({_OTHER_ROLES})\b"
# another organisation's chief, board or commissioner ("the hospital trust's chief
# executive", "the vice-chancellor of the university")
_OTHER_CHIEF = _re(
    _POSSESSIVE_CHIEF + rf"|\b({_OTHER_ROLES}) of "
    rf"(the |a |an )?(local |county |city )?({_OTHER_ORGANISATIONS})\b|"
    r"\bpolice and crime commissioner\b"
)
# the council named anywhere in the sentence: then it is (also) about the council
_COUNCIL_NAMED = _re(r"\b(council|councils|councillors?|town hall|county hall|city hall)\b")
# a stretch of one sentence that does not name the council ("the trust says the council
# faces a deficit" is the council's)
_NO_COUNCIL_BETWEEN = r"(?:(?!\bcouncil|\bauthority)[^.])"
_MONEY_TROUBLE = (
    r"\b(deficits?|shortfalls?|debts|mounting debts|losses|made a loss|in the red|"
    r"overspen\w*|financial (trouble|difficult\w*|problems?|crisis)|cash crisis|"
    r"administration|redundanc\w*|job cuts|cut(ting)? \d+ jobs|insolven\w*|bankrupt\w*|"
    r"close|closure)\b"
)

# a standing description, not news: "the council, which has been under no overall
# control since 2019, approved its budget"
_NOC_DESCRIBED = (
    r"\b(which|that) (has been|had been|is|was) (under |in )?no overall control\b|"
    r"\bno overall control (since (\d{4}|the \d{4})|for (the (past|last) )?(\w+ )?"
    r"(years|decades?))\b"
)

_SOUND_FINANCES = _re(
    r"\b(firm|sound|strong|healthy|robust|stable|secure|good) (financial )?(footing|position|"
    r"health|shape|standing)\b|\bfinances (are |were |remain |look |now )?(sound|healthy|"
    r"strong|stable|robust|secure|in good (shape|order|health))\b|\bfinancially (sound|"
    r"stable|resilient|healthy|secure)\b"
)
_SOUND_UNLESS = _re(
    r"\b(not|no longer|never|despite|but|however|although|yet|once|until|unless|weak\w*|"
    r"section 114|s\.?114|gap|deficit|overspen\w*|shortfall|black hole|unsustainable|"
    r"precarious|fragile|restore|rebuild|return to)\b"
)

RULES: tuple[Rule, ...] = (
    # financial_distress
    Rule("s114", "financial_distress", _re(r"\b(s\.?\s?114|section\s*114)\b"), 0.95),
    Rule(
        "exceptional_support",
        "financial_distress",
        _re(r"\bexceptional financial support\b|\bcapitali[sz]ation directions?\b"),
        0.92,
    ),
    Rule(
        "bankrupt",
        "financial_distress",
        _re(
            r"\b(effectively |technically )?bankrupt(cy)?\b|\bgo(ing|es)? bust\b|"
            r"\binsolven(t|cy)\b"
        ),
        0.9,
        veto=_re(
            _NOT_COUNCIL.pattern + r"|\b(fears?|talk|claims?|suggestions?)\b[^.]{0,30}\b(dismissed|"
            r"rejected|played down|unfounded|wide of the mark)\b|\bdismiss\w* (fears|claims|talk|"
            r"suggestions)\b|\bno (risk|danger|prospect) of\b"
        ),
    ),
    Rule(
        "reserves_exhausted",
        "financial_distress",
        _re(
            r"\b(run(ning)? out of (money|reserves|cash)|reserves (will |would )?"
            r"(be )?(run (out|dry)|exhausted|wiped out|depleted))\b|\blast (remaining )?"
            r"(reserves|cash reserves)\b|\breserves (are |were |will be )?(almost|nearly|"
            r"virtually) (gone|exhausted|used up|spent)\b|"
            # the press's "reserves dwindle"; a council's, not a reservoir's
            r"\breserves (are |were |have been |continue to |keep )?(dwindl\w*|drain\w*|"
            r"running (low|dry)|running out)\b|\b(dwindling|depleted|draining) (general |"
            r"cash |financial )?reserves\b|"
            r"\bwip(e|es|ed|ing) out (most |all |much |half )?(of )?(its |the council's |their )?"
            r"(general |cash )?reserves\b|"
            # below the level the finance officer calls prudent
            r"\b(reserves|balances?)\b[^.]{0,40}\b(fall(s|en|ing)?|fell|drop(s|ped|ping)?|"
            r"dip(s|ped)?|go(es)?|be) below (the |its |a )?(minimum|prudent|recommended|safe)\b"
        ),
        0.88,
        veto=_re(
            r"\bnot (be )?running out\b|\bnot run out\b|\b(water|grit|salt|blood|gas|fuel|"
            r"oil|food|energy) reserves\b|\breserves of (water|grit|salt|blood|gas|fuel|oil|food)\b"
        ),
    ),
    Rule(
        "spending_controls",
        "financial_distress",
        _re(
            r"\b(spending (freeze|controls)|freeze on (all )?(non-essential )?spending|"
            r"non-essential spending (is |was |has been )?(frozen|halted|stopped))\b"
        ),
        0.88,
    ),
    # DOMAIN.md's exceptional financial support includes leave to raise council tax past
    # the referendum limit; a council that asks for it is in difficulty (the rise a
    # council sets within the limit is routine and does not count)
    Rule(
        "council_tax_above_limit",
        "financial_distress",
        _re(
            r"\bcouncil tax\b[^.]{0,80}\b(above|beyond|exceed\w*|breach\w*|break\w*|over) "
            r"the\b[^.]{0,30}\b(referendum )?(limit|cap|threshold|ceiling)\b|"
            r"^(?=.*\bcouncil tax\b)(?=.*(?<![\d.])([6-9]|[1-9]\d)(\.\d+)? ?(%|per ?cent))"
            r"(?=.*\b(permission|approval|consent|go-ahead|green light|request\w*|asked|"
            r"asking|appl(y|ied|ying|ication)|allow(ed|s)?|let|lets|grant(ed|s)?)\b)"
            r"(?=.*\b(government|ministers?|secretary of state|whitehall)\b)"
        ),
        0.85,
        veto=_re(
            r"\bruled? out\b|\bno plans\b|\b(not|never) (to )?(seek|ask|apply|request)\w*\b|"
            r"\b(welsh|scottish) government\b|"
            # the national limit itself: "allows councils to raise council tax by up to 6%"
            r"\b(allow\w*|let|lets) (all |english |upper-tier )?(councils|local authorities|"
            r"authorities)\b"
        ),
    ),
    # DOMAIN.md counts a budget gap, hole or shortfall; the network read the plainest
    # statement of one ("the council has a budget gap of £20m for 2026/27") at 0.01
    # DOMAIN.md's overspend, whichever service it is told of ("children's services are on
    # course to overspend by £6m"), unless it is small or met from elsewhere
    Rule(
        "overspend",
        "financial_distress",
        _re(
            # in millions: a project's £300,000 overspend is routine budget monitoring
            r"\bover-?spen(d|ds|ding|t)\b[^.]{0,50}£ ?\d+(\.\d+)? ?(m|million|bn|billion)\b|"
            r"£ ?\d+(\.\d+)? ?(m|million|bn|billion)\b[^.]{0,40}\bover-?spen(d|ds|ding|t)\b|"
            r"\b(blown|busted|blew|bust) (the|its|their|a hole in the) budget\b"
        ),
        0.75,
        veto=_re(
            r"\b(small|slight(ly)?|minor|modest|offset|balanced|cover(ed)?|met (from|within|by)|"
            r"within (the|its) (budget|directorate|service)|on budget|spent within|underspen\w*|"
            r"no|not|avoid\w*|prevent\w*|no longer|eliminated|wiped out|nhs|hospitals?|"
            r"universit(y|ies)|police|fire (service|authority)|academy|school's)\b"
        ),
    ),
    Rule(
        "budget_gap",
        "financial_distress",
        _re(
            r"\b(budget|funding|financial|spending|revenue) (gap|shortfall|black hole)s?\b|"
            r"\bblack hole\b|\bgap (of £|in (its|the council's|the) (budget|finances))|"
            # DOMAIN.md's "hole": "has blown a £6m hole in this year's budget"
            r"\bhole in (its |the |the council's |this year's |next year's |their )?"
            r"(budget|finances|accounts)\b|"
            # not "fails to set a budget": a deadlock is political (rule budget_defeated)
            r"\b(struggl\w*|unable|cannot|can't) to balance (its|the) (books|budget)\b|"
            r"\bcannot balance (its|the) (books|budget)\b|\bunable to set a balanced budget\b"
        ),
        0.75,
        veto=_re(
            # closed, or the whole sector's
            r"(?<!not )(?<!never )\b(closed|bridged|plugged|balanced|eliminated|wiped out)\b"
            r"[^.]{0,40}\b(gap|shortfall|hole)\b|\b(gap|shortfall|hole)\b[^.]{0,40}"
            r"(?<!not )(?<!never )(?<!yet to be )(?<!cannot be )(?<!can't be )(?<!not be )"
            r"\b(closed|bridged|plugged|eliminated)\b|"
            r"\b(no|without an?) (budget |funding )?(gap|shortfall)\b|\bnationally\b|"
            # a draft budget's gap that officers expect to close is routine budget setting
            r"(?<!no )(?<!without a )\b(expect\w*|plan\w*|on track|set|due) to "
            r"(close|bridge|balance|meet)\b|"
            r"\b(through|with|from) (planned|identified|agreed) savings\b|"
            r"\b(councils|local authorities|town halls) (across|in|throughout) (england|"
            r"wales|scotland|the (uk|country|sector))\b|\b(all|most|many|english) "
            r"(councils|local authorities)\b"
        ),
    ),
    Rule(
        "bailout",
        "financial_distress",
        _re(r"\bbail-?out\b|\bemergency (government )?(funding|bailout|loan)\b"),
        0.85,
        veto=_re(r"\b(bank|airline|football|club|company)\b"),
    ),
    # leadership_conflict
    Rule(
        "officer_suspended",
        "leadership_conflict",
        _re(
            r"\b(chief executive|chief exec|ceo|monitoring officer|section 151 officer|"
            r"s151 officer|finance director|director of [a-z' ]{3,30}|head of paid service|"
            r"town clerk|chief officer|managing director|council boss|top officer|council "
            r"chief|town hall (chief|boss))s?\b"
            r"[^.]{0,60}\b(suspended|sacked|dismissed|forced out|ousted|pushed out|"
            r"placed on (special|gardening) leave|on (special|gardening) leave)\b|"
            # the same fact told with the participle first ("suspended chief executive Jo")
            r"\b(suspended|sacked|ousted) (council |the council's )?(chief executive|ceo|"
            r"monitoring officer|section 151 officer|finance director|managing director|"
            r"town clerk|head of paid service)\b"
        ),
        0.9,
        veto=_re(
            r"\b(wrongly|in error|by mistake|headteacher|head teacher|school|"
            r"hospital|nhs|police)\b|"
            # the officer doing the dismissing: "the monitoring officer dismissed a complaint"
            r"\bdismissed (a |an |the |all |two |three |several )?(\w+ )?(complaints?|claims?|"
            r"appeals?|allegations?|objections?|concerns?|case)\b"
        ),
    ),
    Rule(
        "no_confidence_l",
        "leadership_conflict",
        _re(
            r"\b(vote|motion) of no[- ]confidence\b|\bno[- ]confidence (vote|motion)\b|"
            r"\bconfidence vote\b"
        ),
        0.88,
        veto=_re(_NATIONAL.pattern + "|" + _OTHER_BODY_VOTE),
    ),
    # DOMAIN.md: a statutory officer "leaving amid a dispute or pay-off"
    Rule(
        "officer_payoff",
        "leadership_conflict",
        _re(
            r"\b(chief executive|chief exec|ceo|monitoring officer|section 151 officer|"
            r"s151 officer|finance director|head of paid service|town clerk|managing director|"
            r"council boss|top officer|director)s?\b[^.]{0,80}\b(pay-?off|golden (handshake|"
            r"goodbye|parachute)|severance (deal|package|payment)|exit (package|deal|payment)|"
            r"settlement (agreement|package|deal)|compromise agreement|gagging (order|clause))|"
            r"\bpaid (its |the |their )?(former |outgoing )?(chief executive|ceo|monitoring "
            r"officer|section 151 officer|finance director|managing director)\b[^.]{0,30}"
            r"£ ?\d[^.]{0,20}\bto (leave|go|quit|step down)\b|"
            r"\b(pay-?off|golden (handshake|goodbye|parachute)|severance (deal|package|payment)|"
            r"exit (package|deal|payment)|settlement (package|deal))\b[^.]{0,80}"
            r"\b(chief executive|ceo|monitoring officer|section 151 officer|managing director|"
            r"director)\b"
        ),
        0.8,
        veto=_re(r"\b(school|academy|hospital|nhs|police|company|firm|club|bank|university)\b"),
    ),
    # DOMAIN.md: "bullying, whistleblowing or standards complaints at the top"
    Rule(
        "complaints_at_the_top",
        "leadership_conflict",
        _re(
            r"\b(bully\w*|whistle-?blow\w*|standards (board|committee|investigation|"
            r"complaints?|hearing|panel)|code of conduct|grievance|complaints?( (by|from) "
            r"[^.]{0,40})? (about|against|over) (the )?(behaviou?r|conduct|treatment of "
            r"staff))\b[^.]{0,80}\b(leader|"
            r"chief executive|ceo|deputy leader|elected mayor|cabinet members?|senior "
            r"officers?|monitoring officer)\b|\b(leader|chief executive|ceo|deputy leader|"
            r"elected mayor|senior officers?)\b[^.]{0,60}\b(bully\w*|whistle-?blow\w*|"
            r"standards (board|committee|investigation|complaints?|hearing|panel)|breach\w* "
            r"(of )?the code of conduct|grievance)\b|"
            # "the mayor bullied staff": a finding about conduct towards staff, whichever mayor
            r"\b(mayor|leader)\b[^.]{0,40}\b(bullied|bullying|harass\w*)\b[^.]{0,20}"
            r"\b(staff|officers|employees|colleagues)\b"
        ),
        0.75,
        veto=_re(
            r"\b(school|pupils?|academy|hospital|nhs|police|opposition|party leader|prime "
            r"minister|training|policy|anti-bullying|awareness)\b|" + _POSSESSIVE_CHIEF
            # another body's chief ("the ambulance service's chief executive")
        ),
    ),
    # DOMAIN.md: a statutory officer leaving amid a dispute; a breakdown of trust between
    # the leader or cabinet and senior officers
    Rule(
        "officer_dispute",
        "leadership_conflict",
        _re(
            r"\b(chief executive|ceo|monitoring officer|section 151 officer|s151 officer|"
            r"finance director|director of [a-z' ]{3,30}|head of paid service|managing "
            r"director|town clerk|head of legal( services)?|chief finance officer)\b[^.]{0,60}"
            r"\b(resign\w*|quit\w*|left|leaves|leaving|walked out)\b[^.]{0,40}\b(citing|over|"
            r"after|amid|complaining of|in protest)\b[^.]{0,40}\b(interference|pressure|"
            r"row|dispute|clash\w*|undermin\w*|ignored|bully\w*|breakdown|tension\w*)\b|"
            r"\b(leader|mayor|cabinet|councillors)\b[^.]{0,60}\b(chief executive|senior "
            r"officers|monitoring officer|section 151 officer)\b[^.]{0,60}\b(no longer on "
            r"speaking terms|at loggerheads|breakdown in (the )?(relationship|trust)|lost "
            r"(all )?(trust|confidence)|relationship (has )?(broken down|collapsed|"
            r"deteriorated)|feud|rift)\b|\b(employment )?tribunal (claim|case)\b[^.]{0,40}"
            r"\b(former |ex-)?(chief executive|monitoring officer|section 151 officer|finance "
            r"director|director of [a-z' ]{3,30}|managing director|town clerk)\b|"
            r"\b(former |ex-)?(chief executive|monitoring officer|section 151 officer|finance "
            r"director|managing director|town clerk)\b[^.]{0,40}\b(employment )?tribunal "
            r"(claim|case)\b"
        ),
        0.75,
        veto=_re(
            r"\b(school|academy|hospital|nhs|police|company|firm|club|university|opposition|"
            r"no evidence|dismissed the claim|claim (was )?(dismissed|rejected))\b"
        ),
    ),
    # DOMAIN.md: high turnover of senior staff ("the fourth chief executive in three
    # years"); counts over a long span ("the third in twenty years") are not turnover
    Rule(
        "officer_turnover",
        "leadership_conflict",
        _re(
            r"\b(third|fourth|fifth|sixth|seventh|eighth|\d+(rd|th)) (interim |acting |"
            r"permanent |new |different )?(chief executive|ceo|managing director|monitoring "
            r"officer|section 151 officer|finance director|director of [a-z' ]{3,30}?|head of "
            r"paid service|town clerk)s? (in|within) (the )?(past |last |space of )?(a year|"
            r"one year|two years|three years|four years|five years|\d{1,2} months|"
            r"(twelve|eighteen|fifteen|nine|six) months)\b|"
            r"\b(three|four|five|six|seven|eight|nine|ten|\d) (interim |permanent |"
            r"different )?(chief executives|ceos|managing directors|monitoring officers|"
            r"section 151 officers|finance directors|directors of [a-z' ]{3,30}?) (in|within) "
            r"(the )?(past |last |space of )?(a year|one year|two years|three years|four years|"
            r"five years|\d{1,2} months|(twelve|eighteen|fifteen|nine|six) months)\b|"
            r"\b(chief executive|monitoring officer|section 151 officer|finance director|"
            r"managing director)\b[^.]{0,60}\b(third|fourth|fifth|sixth|seventh) (person|"
            r"officer|appointment) to (hold|fill|occupy|take on|take up) (the|that|this) "
            r"(post|role|job|position) (in|within|since) (the )?(past |last )?(a year|\w+ "
            r"years|\w+ months|202\d)\b"
        ),
        0.8,
        veto=_re(
            r"\b(school|academy|hospital|nhs|trust|police|club|company|firm|charity|"
            r"university)\b"
        ),
    ),
    # a chief officer whose position is called untenable is being pushed out
    Rule(
        "officer_untenable",
        "leadership_conflict",
        _re(
            r"\b(chief executive|chief exec|ceo|council chief|monitoring officer|section 151 "
            r"officer|managing director|town clerk|top officer)\b[^.]{0,60}\buntenable\b"
        ),
        0.75,
        veto=_re(r"\b(school|hospital|nhs|police|company|firm|club)\b"),
    ),
    # political_instability
    Rule(
        "no_confidence_p",
        "political_instability",
        _re(
            r"\b(vote|motion) of no[- ]confidence\b|\bno[- ]confidence (vote|motion)\b|"
            r"\bconfidence vote\b"
        ),
        0.88,
        veto=_re(
            _NATIONAL.pattern
            + "|"
            + _OTHER_BODY_VOTE
            + r"|\bconfidence (vote |motion )?in (the |its |their )?(council'?s? )?"
            r"(chief executive|ceo|monitoring officer|managing director|town clerk|director|"
            r"chief officer|senior officers?)\b|\b(unison|gmb|unite|trade unions?|union "
            r"members|staff|employees|workers)\b"
        ),
    ),
    Rule(
        "no_overall_control",
        "political_instability",
        _re(
            r"\bno overall (control|majority)\b|\bhung council\b|\bno (single |one )?"
            r"(party|group) (now |any longer |still )?(has|with|holds|won|wins|winning|secured|"
            r"gained|took) (overall )?(control|"
            r"a majority|an overall majority|a clear majority)\b"
        ),
        0.9,
        veto=_re(
            r"\bno longer (in )?no overall control\b|\b(parliament|general election|"
            r"westminster|holyrood|senedd|stormont|house of commons)\b|" + _NOC_DESCRIBED
        ),
    ),
    # DOMAIN.md: a leader ousted or resigning under pressure; a challenge from the leader's
    # own group is that pressure ("leader re-elected unopposed" is capped as ceremonial)
    Rule(
        "leadership_challenge",
        "political_instability",
        _re(
            r"\bleadership (challenge|contest|bid|coup)\b[^.]{0,60}\b(council leader|leader of "
            r"the (council|authority)|the leader|her|his)\b|\b(plot|bid|move|attempt) to "
            r"(oust|topple|remove|unseat|depose) (the )?(council )?leader\b|\b(council leader|"
            r"leader of the council)\b[^.]{0,60}\b(faces|facing) (a )?(leadership )?"
            r"(challenge|coup|revolt)\b|\b(quit|quits|resign\w*|ousted|lost)\b[^.]{0,40}"
            r"\b(after|amid) (losing )?(a |the )?(vote|confidence|support) (of|from) (his|her|"
            r"their) (own )?(group|party|councillors)\b"
        ),
        0.8,
        veto=_re(
            _NATIONAL.pattern + r"|\b(opposition|labour leader|tory leader|conservative leader|"
            r"lib dem leader|party leader|unopposed|failed|fails|defeated|survives|survived|saw "
            r"off)\b"
        ),
    ),
    Rule(
        "coalition_collapse",
        "political_instability",
        _re(
            r"\b(coalition|administration|power-sharing|partnership) [^.]{0,40}"
            r"(collaps\w*|fell apart|falls apart|broke(n)? down|break(s)? down)\b|"
            r"\b(coalition|administration|power-sharing) (is |was |left )?in (chaos|turmoil|"
            r"disarray)\b|\b(coalition|administration) partners? (walk(s|ed)?|pull(s|ed)?|"
            r"storm(s|ed)?) out\b|"
            # "after the previous one fell": an administration falling, not a figure
            r"\b((previous|last|former|old|minority|ruling) (one|administration|coalition)|"
            r"(the|its|their) (administration|coalition)) (fell|had fallen|has fallen)\b"
            r"(?! (by|to|from|short|behind|below|sharply))"
        ),
        0.9,
        veto=_NATIONAL,
    ),
    Rule(
        "budget_defeated",
        "political_instability",
        _re(
            r"\b(fail\w* to (set|agree|pass|approve) (a |its |the )?budget|budget "
            r"(was |is )?(rejected|voted down|defeated|thrown out)|budget deadlock)\b"
        ),
        0.86,
        veto=_NATIONAL,
    ),
    # governance_failure
    Rule(
        "best_value",
        "governance_failure",
        _re(
            r"\bbest value (inspection|notice|inspector)s?\b|\binspect\w*\b[^.]{0,120}"
            r"\bbest value duty\b|\b(fail\w*|breach\w*) (to comply with |to meet |of )?"
            r"(its|the) best value duty\b"
        ),
        0.92,
        veto=_re(r"\b(lift(s|ed)?|end(s|ed)?|withdrawn|exit(s|ed)?|guidance|consultation)\b"),
    ),
    Rule(
        "commissioners",
        "governance_failure",
        _re(
            r"\bcommissioners?\b[^.]{0,60}\b(appoint\w*|sent|send\w*|take (over|control)|"
            r"took (over|control)|taken (over|control)|to run|oversee|installed|impose\w*|"
            r"in charge|(will |to )(remain|stay)|extended)\b|"
            r"\b(send|sends|sending|sent|appoint\w*) (in )?(government )?"
            r"commissioners\b|\bgovernment (intervention|takeover) (at|in|of)\b|"
            r"\b(faces?|facing|under|threat of|threatened with|imposes?) government "
            r"(intervention|takeover)\b|\b(under the control of|taken over by|take over by|"
            r"run by) (\w+ ){0,2}commissioners\b|\b(set for|heading for) (a )?government "
            r"takeover\b|\bstatutory "
            r"(intervention|direction)\b|\bintervention (package|powers) (at|in|for)\b|"
            # directions to obey commissioners; a government-appointed board (Wales's
            # ministerial boards, England's improvement and assurance boards); the press's
            # "hit squad"
            r"\b(direct(s|ed|ing|ions?)?|instructions?)\b[^.]{0,60}\bcommissioners\b|"
            r"\b(ministerial|improvement and assurance) (board|panel)\b[^.]{0,80}"
            r"\b(council|authority)\b|\b(council|authority)\b[^.]{0,60}"
            r"\b(ministerial|improvement and assurance) (board|panel)\b|"
            r"\b(government|whitehall|ministers?)\b[^.]{0,30}\bhit squad\b|"
            r"\bhit squad\b[^.]{0,30}\b(to run|take over|takes over|taking over|"
            r"take control|takes control)\b|"
            # a threat of intervention: "warned that the council could face intervention"
            r"\b(council|authority)\b[^.]{0,60}\bfac(e|es|ing) (possible |further |formal |"
            r"statutory |government |ministerial |direct )?intervention\b"
        ),
        0.9,
        veto=_re(
            r"\bpolice and crime commissioner\b|\bchildren'?s commissioner\b|"
            r"\bequality commissioner\b|\binformation commissioner\b|"
            # calls for the government to act on national policy are not an intervention
            r"\b(needed|call(s|ed|ing)? for|urg(e|es|ed|ing)|nationally|national system)\b"
        ),
    ),
    Rule(
        "public_interest_report",
        "governance_failure",
        _re(r"\b(reports? in the public interest|public interest reports?)\b"),
        0.92,
        veto=_NO_FINDING,
    ),
    # DOMAIN.md: "auditors' warnings on finances"
    Rule(
        "auditor_warning",
        "financial_distress",
        _re(
            r"\b(auditors?|audit wales|audit scotland|accounts commission|controller of audit|"
            r"external audit)\b[^.]{0,80}\b(concerns?|warn\w*|doubts?|questioned|flag\w*|"
            r"alarm)\b[^.]{0,60}\b(balanced budget|financial (sustainability|position|"
            r"resilience|viability|health|stability|standing)|finances|going concern|reserves|"
            r"medium[- ]term financial|(ability|able) to (set|balance|deliver|meet))\b"
        ),
        0.8,
        veto=_re(
            r"\b(no|without) (significant |serious |major |new )?(concerns?|doubts?|"
            r"warnings?)\b|\b(allay\w*|eased|reassur\w*|satisfied)\b|\b(councils across|all "
            r"councils|the sector|nationally|many councils|nhs|hospital|trust|university|"
            r"charity|school|academy|company|firm)\b"
        ),
    ),
    # an auditor finding a council's decisions or payments unlawful is the substance of a
    # public interest report whether or not the article names the report
    Rule(
        "auditor_unlawful",
        "governance_failure",
        _re(
            r"\b(auditors?|audit office|audit wales|audit scotland|accounts commission)\b"
            r"[^.]{0,120}\bunlawful(ly)?\b|\bunlawful(ly)?\b[^.]{0,80}\b(auditors?|"
            r"audit office|audit wales|audit scotland|accounts commission)\b"
        ),
        0.8,
        veto=_re(
            r"\b(not|never|no evidence|nothing)\b[^.]{0,30}\bunlawful|\bwas lawful\b|"
            r"\b(school|academy|hospital|nhs|police|company|firm|club|university)\b"
        ),
    ),
    # DOMAIN.md: a best value inspection; the press mostly calls it a government inspection
    Rule(
        "government_inspection",
        "governance_failure",
        _re(
            r"\b(government|secretary of state|ministers?|communities secretary)\b[^.]{0,40}"
            r"\b(order\w*|appoint\w*|commission\w*|launch\w*|extend\w*|sent|send\w*)\b"
            r"[^.]{0,30}\b(inspection|inspectors?)\b|"
            r"\binspection (into|of) [^.]{0,60}\bcouncil\b[^.]{0,20}\b(was |has been |is being )?"
            r"(ordered|launched|commissioned|extended)\b|"
            r"\b(government|government-appointed|independent) inspectors?\b[^.]{0,40}"
            r"\b(looking|looked|examining|examined) (into|at)\b|"
            r"\b(report|findings|verdict|recommendations?) (from|of|by) (a |the )?"
            r"(government|government-appointed|independent) inspectors?\b|"
            r"\binspectors?\b[^.]{0,20}\b(appointed|sent (in )?|ordered|commissioned) by "
            r"(the )?(government|secretary of state|ministers?|communities secretary)\b|"
            r"\binspectors? (sent|appointed|looking|looked) (in|into|to)\b[^.]{0,60}"
            r"\b(council|authority|county hall|town hall|finances|financial)\b"
        ),
        0.8,
        veto=_re(
            r"\b(schools?|academy|ofsted|food|hygiene|care (homes?|services|providers)|prisons?|"
            r"police|fire|hospital|nhs|praise\w*|good|outstanding|landlords?|roads?|bridges?|"
            r"buildings?|planning|appeals?|health and safety)\b"
        ),
    ),
    Rule(
        "statutory_recommendations",
        "governance_failure",
        _re(
            r"\bstatutory recommendations?\b|\b(auditors?|audit firm)\b[^.]{0,40}\b(statutory|"
            r"formal) powers to (make|issue) (formal )?recommendations\b"
        ),
        0.88,
        veto=_NO_FINDING,
    ),
    Rule(
        "inadequate",
        "governance_failure",
        _re(
            r"\b(rated|judged|graded|branded|found|deemed|remains?|as|is|are) "
            r"['‘\"]?inadequate\b|\binadequate['’\"]? (rating|judgement|by ofsted)\b"
        ),
        0.85,
        veto=_re(
            r"\b(from|no longer|previously|formerly|after being|since being) "
            r"(rated |judged )?['‘\"]?inadequate\b|\bafter\b[^.]{0,50}\binadequate\b|"
            r"\b(rated|judged|graded|as|now) ['‘\"]?(good|outstanding)\b|"
            r"\b(school|academy|care home|hospital|nhs|trust|police|nursery|college|prison)\b|"
            r"\b(reserves|funding|budget|balances|provision|resources|staffing|parking|"
            r"drainage|ventilation|lighting)\b[^.]{0,12}\b(is|are|was|were|remains?|remain) "
            r"['‘\"]?inadequate\b"
        ),
    ),
    # DOMAIN.md: "inspections finding systemic failings", whoever carries them out
    Rule(
        "review_finds_failings",
        "governance_failure",
        _re(
            r"\b(review|inquiry|investigation|inspection|report|audit|inspectors?|auditors?)\b"
            r"[^.]{0,100}\b(found|finds|uncovered|identified|exposed|revealed|describe[sd]?|"
            r"highlighted|laid bare)\b[^.]{0,60}\b(culture of (secrecy|"
            r"cover-?ups?|impunity)|toxic culture|systemic (failings|failures|"
            r"weaknesses)|serious (failings|failures|weaknesses) (in|of) (governance|"
            r"leadership|decision-making|management)|dysfunctional|failures? of governance|"
            r"governance failures?|(poor|weak|inadequate) governance)\b"
        ),
        0.8,
        veto=_re(
            r"\b(school|academy|hospital|nhs|police|trust|care home|charity|club|company|firm|"
            r"university|prison)\b|\bno (evidence|sign|signs) of\b|\b(not|never|nothing)\b"
            r"[^.]{0,20}\b(found|finds|identified)\b"
        ),
    ),
    # DOMAIN.md: a single ombudsman fault finding does not count; an ombudsman finding
    # failings repeated across cases, or a special (systemic) investigation, does
    Rule(
        "ombudsman_systemic",
        "governance_failure",
        _re(
            r"\bombudsman\b[^.]{0,120}\b(systemic|repeated (failings|failures|cases|"
            r"complaints)|series of (failings|failures|cases|complaints)|pattern of|widespread "
            r"(failings|failures)|across (\d+|many|multiple|several|repeated) (cases|complaints)|"
            r"multiple cases|special (investigation|report))\b"
        ),
        0.75,
        veto=_re(
            r"\b(no|not|nothing|without)\b[^.]{0,30}\b(systemic|repeated|pattern|widespread)\b"
        ),
    ),
    # Scotland: the Controller of Audit reports to the Accounts Commission, which may hold a
    # hearing: the Scottish form of a public interest report or best value inspection
    Rule(
        "accounts_commission",
        "governance_failure",
        _re(
            r"\b(accounts commission|controller of audit)\b[^.]{0,80}\b(hearing|examin\w*|"
            r"investigat\w*|inquiry|statutory report|section 102|special report)\b|"
            r"\b(hearing|statutory report|section 102 report|special report|investigation)\b"
            r"[^.]{0,40}\b(by|from|of) the (accounts commission|controller of audit)\b"
        ),
        0.8,
        veto=_re(
            r"\b(praise\w*|good progress|improv(ed|ement) (found|noted)|annual report|"
            r"overview|national|all councils|every council|councils across)\b"
        ),
    ),
    # the press's word for an inspection or review finding serious failings at a council
    Rule(
        "damning_report",
        "governance_failure",
        _re(
            r"\bdamning (report|review|inspection|audit|verdict|findings|assessment|"
            r"investigation|inquiry)\b[^.]{0,120}\b(council|authority|county hall|town hall|"
            r"cabinet|children'?s services|social services|social care|housing services?)\b|"
            r"\b(council|authority)('s)?\b[^.]{0,80}\bdamning (report|review|inspection|"
            r"audit|verdict|findings|assessment|investigation|inquiry)\b"
        ),
        0.75,
        veto=_re(
            _NATIONAL.pattern + r"|\b(schools?|academy|hospitals?|nhs|police|prisons?|company|"
            r"firm|club|charity|university|contractor|care home|nationally|national|"
            r"all councils|councils across|sector)\b|\b(rejected|disputed|denied|"
            r"dismissed|overturned)\b|"
            # "...suspended after a damning inspection": our own lines label such a
            # sentence by the departure it reports (leadership conflict) alone
            r"\b(after|following|in the wake of) (a |the |two |its )?damning\b"
        ),
    ),
    # special measures: Estyn's term for a failing council education service, and the
    # press's for a council under intervention; for a school it is no council's failure
    Rule(
        "special_measures",
        "governance_failure",
        _re(
            r"\b(placed|put|plunged|kept|remains?|remained|is|are|was|were|been|be) "
            r"(in|into|under) special measures\b|\b(placed|put|places|puts|placing)\b"
            r"[^.]{0,60}\b(in|into|under) special measures\b|\bspecial measures\b[^.]{0,40}"
            r"\b(imposed|ordered|announced)\b"
        ),
        0.85,
        veto=_re(
            r"\b(schools?|academy|hospitals?|nhs|trust|care homes?|prisons?|police|college|"
            r"nursery|university|practice|surgery|club|company|firm)\b|"
            r"\b(out of|removed from|exit\w*|lifted|no longer|taken out of|came out of|"
            r"emerged from)\b[^.]{0,20}\bspecial measures\b|"
            r"\bspecial measures\b[^.]{0,30}\b(lifted|ended|removed)\b"
        ),
    ),
    Rule(
        "section_5",
        "governance_failure",
        _re(r"\bsection 5 report\b|\bsection 5A? of the local government and housing act\b"),
        0.9,
    ),
    Rule(
        "vfm_weakness",
        "governance_failure",
        _re(
            r"\b(adverse|qualified|significant weakness(es)?)\b[^.]{0,60}\bvalue for money\b|"
            r"\bvalue for money\b[^.]{0,60}\b(adverse|qualified|significant weakness(es)?)\b"
        ),
        0.85,
        veto=_re(
            r"\bno\b[^.]{0,4}(significant )?weakness(es)?\b|\bnot (been )?identified\b|"
            r"\bno\b[^.]{0,30}\b(were|was|had been|have been) identified\b"
        ),
    ),
)
# An intervention that ends is good news, not a failure.
_RULE_VETO_ENDED = {"commissioners", "best_value", "government_inspection"}

CAPS: tuple[Cap, ...] = (
    Cap(
        "underspend",
        "financial_distress",
        _re(r"\bunder-?spen[dt]\b|\bsurplus\b"),
        0.3,
        unless=_re(r"\bover-?spen[dt]\b|\bdeficit\b|\bshortfall\b|\bgap\b"),
    ),
    # paying debt down is the opposite of a debt crisis
    Cap(
        "debt_repaid",
        "financial_distress",
        _re(
            r"\b(repa(y|ys|id|ying)|paid (off|down|back)|pay(s|ing)? (off|down|back)|"
            r"reduc(e|es|ed|ing)|cut|cuts|cutting)\b[^.]{0,40}\b(debts?|borrowing|loans?)\b"
        ),
        0.3,
        unless=_re(
            r"\b(unable|cannot|can't|struggl\w*|forced|sell\w*|sold|fire sale|assets?|"
            r"soar\w*|spiral\w*|crisis|section 114|s\.?114|unsustainable|default\w*|"
            r"ability|risk|warn\w*|doubts?|concerns?|whether)\b"
        ),
    ),
    # a plea for more money from the government, made for a service, is DOMAIN.md's
    # "funding pressures rhetoric"; the council's own money running out is not
    Cap(
        "funding_plea",
        "financial_distress",
        _re(
            r"\bwithout (extra|more|additional|further|emergency|fairer|new|proper|"
            r"sustainable) (funding|money|support|cash|investment) from (the )?(government|"
            r"ministers|whitehall|treasury)\b|\b(calls?|called|calling|lobby\w*|urg(e|es|ed|"
            r"ing)|appeal\w*|writ(e|es|ing)|wrote|written)\b[^.]{0,60}\b(fairer|more|extra|"
            r"additional|sustainable|long-term) funding\b"
        ),
        0.3,
        unless=_re(
            r"\b(section 114|s\.?114|bankrupt\w*|bust|insolven\w*|exceptional (financial )?"
            r"support|reserves|deficit|overspen\w*|shortfall|black hole|gap|run(s|ning)? out "
            r"of money|unsustainable|collapse|brink|emergency budget)\b"
        ),
    ),
    # an ordinary employee's tribunal is not a conflict at the top (a chief officer's is)
    Cap(
        "staff_tribunal",
        "leadership_conflict",
        _re(
            r"\btribunal\b(?:[^.]|\.\d){0,80}\b(employees?|workers?|members? of staff|"
            r"staff members?|care workers?|social workers?|teachers?|cleaners?|drivers?|nurses?)\b|"
            r"\b(employees?|workers?|members? of staff|staff members?|care workers?|social "
            r"workers?|teachers?|cleaners?|drivers?|nurses?)\b[^.]{0,60}\btribunal\b"
        ),
        0.3,
        unless=_re(
            r"\b(chief executive|ceo|directors?|monitoring officer|section 151|finance "
            r"director|head of|managing director|town clerk|chief officers?|senior officers?|"
            r"leader|mayor|cabinet|whistle-?blow\w*)\b"
        ),
    ),
    # a regulator's fine or reprimand for one data breach is a single finding, like one
    # ombudsman fault (DOMAIN.md), not a failure of governance
    Cap(
        "data_regulator",
        "governance_failure",
        _re(r"\b(information commissioner('s office)?|ico)\b|\bdata (breach|protection)\b"),
        0.3,
        unless=_re(
            r"\b(systemic|repeated|series of|string of|statutory recommendations?|best value|"
            r"public interest|commissioners (were |have been )?(sent|appointed)|intervention|"
            r"governance failures?)\b"
        ),
    ),
    # a council's finances reported sound is the opposite of distress, whoever says it
    Cap(
        "sound_finances",
        "financial_distress",
        _SOUND_FINANCES,
        0.3,
        unless=_SOUND_UNLESS,
    ),
    Cap(
        "sound_finances_audit",
        "governance_failure",
        _SOUND_FINANCES,
        0.3,
        unless=_SOUND_UNLESS,
    ),
    # the whole sector's finances (a think tank, "councils across England") are DOMAIN.md's
    # general funding-pressures rhetoric, not one council's distress
    Cap(
        "sector_wide",
        "financial_distress",
        _re(
            r"\b(councils|local authorities|local government|town halls)\b[^.]{0,40}"
            r"\b(across|throughout) (england|wales|scotland|the uk|the country|britain|great "
            r"britain|northern ireland)\b|\bacross (the )?sector\b|\bthink[- ]tanks?\b|"
            r"\b(one|two|three|four|five|\d+) in (ten|five|four|three|\d+) councils\b|"
            r"\b(many|most|several|dozens of|hundreds of) (other )?councils\b"
        ),
        0.3,
        unless=_re(
            r"\b(is|are|was|were|becomes?|became|joins?|joined) (now )?(among|one of|the "
            r"(latest|first|second|third))\b|\bincluding\b|\bsuch as\b|\blike\b"
        ),
    ),
    # another body's money trouble (a university, a hospital trust, a club, a charity) is
    # not the council's, unless the council stands to lose by it or owns the body
    Cap(
        "other_body_finances",
        "financial_distress",
        _re(
            rf"\b({_OTHER_BODIES})\b{_NO_COUNCIL_BETWEEN}{{0,80}}{_MONEY_TROUBLE}|"
            rf"\b(cash-strapped|struggling|debt-laden|loss-making|troubled)\b"
            rf"{_NO_COUNCIL_BETWEEN}{{0,30}}\b({_OTHER_BODIES})\b"
        ),
        0.3,
        unless=_re(
            r"\b(council|authority)('s)? (stands? to lose|(will|would|could|may) (have to )?"
            r"(lose|absorb|cover|pay|bail)|lost|loans?|lent|lending|guarantee\w*|owns?|owned|"
            r"bail\w*)\b|\b(owing|owed|owes|cost|costs|costing) (the )?(council|authority|"
            r"taxpayers?)\b|\bcouncil-owned\b|\bwholly[- ]owned\b|\b(its|the council's) own\b|"
            r"\b(it|council|authority) lent\b|\bsection 114\b|\bs\.?114\b|\bthe council's "
            r"(deficit|budget gap|shortfall|overspend)\b|\b(dedicated schools grant|dsg|high[- ]"
            r"needs)\b"
        ),
        cues=_ORGANISATION_CUES,
    ),
    # money a council has collected or got back (debts, fraud, arrears) is the finance team
    # doing its job, not a loss
    Cap(
        "money_recovered",
        "financial_distress",
        _re(
            r"\b(recovered|recovers|clawed back|claws back|recouped|recoups|brought in|"
            r"collected|traced and recovered)\b[^.]{0,40}(£|\b\d+(\.\d+)?% of\b)"
        ),
        0.3,
        unless=_re(
            r"\b(loss|losses|lose|lost|losing|deficit|gap|shortfall|overspen\w*|section 114|"
            r"s\.?114|bankrupt\w*|only|just|fraction|fell|fall(ing|en)?|down|less than|"
            r"failed|failure)\b"
        ),
    ),
    # writing off small debts that cannot be collected is routine housekeeping; a large
    # loss on a loan to the council's own company is distress (stated in millions)
    Cap(
        "small_write_off",
        "financial_distress",
        _re(r"\b(wr(i|o)te|written|writ(e|es|ing)) off\b|\bwrite-offs?\b"),
        0.3,
        unless=_re(
            r"£ ?\d+(\.\d+)? ?(m|bn|million|billion)\b|\b(millions|company|companies|"
            r"investments?|reserves|section 114|s\.?114|deficit|gap|shortfall)\b"
        ),
    ),
    # a pension fund's value moving with the markets, or its valuation, is the fund's
    # business; a council unable to meet its contributions is distress
    Cap(
        "pension_fund",
        "financial_distress",
        _re(r"\bpension fund\b"),
        0.3,
        unless=_re(
            r"\b(budget gap|section 114|s\.?114|reserves|unaffordable|cannot afford|can't "
            r"afford|unable to (pay|afford|meet)|overspen\w*|emergency|crisis|black hole|"
            r"bankrupt\w*|the council's (deficit|shortfall)|woes|strain|squeeze|burden|"
            r"pressures?)\b"
        ),
    ),
    Cap(
        "control_described",
        "political_instability",
        _re(_NOC_DESCRIBED),
        0.3,
        unless=_re(
            r"\b(after|since|following) (the |this |last )?(\w+ )?(elections?|polls?|"
            r"by-elections?|defections?|resignations?)\b|\b(lost|loses|losing|collaps\w*|"
            r"ousted|resign\w*|defect\w*|deadlock\w*|toppl\w*|no confidence|coalition (talks|"
            r"deal)|minority administration)\b"
        ),
    ),
    # an overspend avoided is budget management, not distress
    Cap(
        "overspend_avoided",
        "financial_distress",
        _re(
            r"\b(avoid\w*|prevent\w*|head(s|ed|ing)? off|stave(d)? off|averted?)\b[^.]{0,20}"
            r"\b(an? |the )?(forecast |projected |potential )?over-?spend\b"
        ),
        0.3,
        unless=_re(
            r"\b(section 114|s\.?114|reserves|emergency|crisis|freeze|gap|deficit|black hole|"
            r"cannot|unable|fail\w*)\b"
        ),
    ),
    # another body's leaders, votes and inspections (a hospital trust's chief executive
    # suspended, a university's vice-chancellor forced out, an academy rated inadequate)
    # are not the council's, unless the sentence names the council too
    *(
        Cap(name, label, _OTHER_CHIEF, 0.3, unless=_COUNCIL_NAMED, cues=_ORGANISATION_CUES)
        for name, label in (
            ("other_body_leadership", "leadership_conflict"),
            ("other_body_politics", "political_instability"),
        )
    ),
    Cap(
        "other_body_governance",
        "governance_failure",
        _re(
            rf"\b({_OTHER_ORGANISATIONS})\b[^.]{{0,60}}\b(rated|judged|graded|found|fined|"
            r"inadequate|failings|inquiry|investigation)\b|\b(rated|judged|graded) (the )?"
            rf"(local |nearby )?(\w+ )?({_OTHER_ORGANISATIONS})\b|\b(failings|failures|"
            rf"inadequate)\b[^.]{{0,30}}\b(at|in) (the |a |an )?(\w+['’]s )?(local )?"
            rf"({_OTHER_ORGANISATIONS})\b"
        ),
        0.3,
        unless=_COUNCIL_NAMED,
        cues=_ORGANISATION_CUES,
    ),
    # DOMAIN.md: good inspection results do not count, including a rise out of "inadequate"
    Cap(
        "inspection_improved",
        "governance_failure",
        _re(
            r"\b(improv\w*|mov\w*|ris\w*|rose|upgraded|lifted|climb\w*|jump\w*) (from|out "
            r"of) ['‘\"“]?inadequate\b|\bno longer (rated |judged |considered )?['‘\"“]?"
            r"inadequate\b|\binadequate ['’\"”]?to ['‘\"“]?(good|outstanding|requires "
            r"improvement)\b"
        ),
        0.3,
        unless=_re(r"\b(still|remains?|again|fell|falls|dropped|downgraded|back to|slipped)\b"),
    ),
    # DOMAIN.md: routine budget setting; a budget balanced without help is not distress
    Cap(
        "balanced_budget",
        "financial_distress",
        _re(r"\b(balanced|balances|balancing) (its|the|their|a) (budget|books)\b"),
        0.3,
        unless=_re(
            r"\b(unable|cannot|can't|struggl\w*|fail\w*|not|only|exceptional|capitalisation|"
            r"bail-?out|section 114|s\.?114|gap|shortfall|deficit|emergency|cuts?|savings|"
            r"borrow\w*|loan|sell\w*|sold)\b|(?<!without )\b(using|use of|raid\w*|dip\w* "
            r"into|draw\w* on) (its |their |the council's )?(\w+ )?reserves\b"
        ),
    ),
    # committee minutes review risk registers line by line: a financial risk rated amber
    # is the register doing its job, not distress
    Cap(
        "risk_register",
        "financial_distress",
        _re(
            r"\b(risks?|risk score)\b[^.]{0,60}\b(rated|rating|remains?|"
            r"remained|reduced|lowered|downgraded|scored|stays?|stayed) (at |as |to |from "
            r"\w+ to )?(amber|green|medium|moderate|low)\b"
        ),
        0.3,
        unless=_re(
            r"\b(raised|increased|escalated|elevated|moved|upgraded|rose) (up )?(to )?"
            r"(red|critical)\b|\b(rated|is|was|remains?|remained|at|now) (red|critical)\b|"
            r"\b(section 114|s\.?114|unsustainable|exhaust\w*|run(s|ning)? (out|low)|"
            r"insolven\w*|bankrupt\w*|overspen\w*|deficit|shortfall|black hole)\b"
        ),
    ),
    Cap(
        "retirement",
        "leadership_conflict",
        _re(
            r"\bretire(s|d|ment|ing)?\b|\bill[- ]health\b|\bhealth reasons\b|"
            r"\bmedical advice\b|\bmaternity\b"
        ),
        0.3,
        unless=_re(
            r"\b(suspend\w*|dispute|row|clash\w*|pay-?off|bully\w*|forced|"
            r"grievance|tribunal|investigation)\b"
        ),
    ),
    # DOMAIN.md: a leader's "planned stepping down" is not political instability
    Cap(
        "planned_stepping_down",
        "political_instability",
        _re(
            r"\bretire(s|d|ment|ing)?\b|\bill[- ]health\b|\b(health|family) reasons\b|"
            r"\b(stand|stands|standing|stood|step|steps|stepping|stepped) (down|aside)\b"
            r"[^.]{0,60}\b(after (\w+ ){1,2}(years?|terms?)|at the (next |may |coming )?"
            r"elections?|as (planned|announced))\b"
        ),
        0.3,
        unless=_re(
            r"\b(ousted|no confidence|pressure|forced|coup|challeng\w*|rebel\w*|row|revolt|"
            r"crisis|resign\w*|quit\w*|defeat\w*|toppl\w*|scandal|investigation|suspend\w*|"
            r"lost (the |his |her |their )?(vote|majority|control))\b"
        ),
    ),
    # DOMAIN.md: "appointment of a successor; interim cover" is not a conflict
    Cap(
        "appointment",
        "leadership_conflict",
        _re(
            r"\b(new|newly appointed|incoming|permanent|interim|acting)\s+(chief executive|ceo|"
            r"managing director|monitoring officer|section 151 officer|director of [a-z ]{3,30}|"
            r"head of paid service|town clerk)\b|"
            r"\b(appointed|named|confirmed|unveiled|chosen|recruited|welcomed|starts?|started|"
            r"joins?|joined|took over|takes over)\b[^.]{0,30}\bas (its |the )?(new )?"
            r"(chief executive|ceo|managing director|monitoring officer|town clerk)\b"
        ),
        0.3,
        unless=_re(
            r"\b(suspend\w*|dispute|row|clash\w*|pay-?off|bully\w*|forced|ousted|sacked|"
            r"grievance|tribunal|investigation|resign\w*|quit\w*|walk\w* out|departure|"
            r"turnover|exodus|no confidence|untenable)\b|\b(second|third|fourth|fifth|sixth|"
            r"\d+(st|nd|rd|th)) (interim |acting |permanent |new )?(chief executive|ceo|"
            r"managing director|monitoring officer|section 151 officer|finance director)\b"
            r"[^.]{0,30}\bin (\w+ ){0,2}(years?|months?)\b"
        ),
    ),
    Cap(
        "intervention_ended",
        "governance_failure",
        _re(
            r"\b(intervention|commissioners?|best value notice|oversight|supervision|"
            r"improvement board)\b[^.]{0,80}\b(ends?|ended|lifted|leave|leaves|left|exits?|"
            r"handed back|no longer|withdrawn|concluded|gone|pulled out|pull out|reversal)\b|"
            r"\b(end|ending|exit|reversal) of (the )?(government )?(intervention|oversight)\b|"
            r"\b(hand(s|ed|ing)?|give(s|n)?|gave|return(s|ed|ing)?) (back )?(full )?"
            r"(powers|control)\b[^.]{0,40}\b(back|to)\b|\b(fit|ready) to take back\b|"
            r"\b(exits?|exited|exiting|end of|lifted|released from|came out "
            r"of|comes out of|emerge[sd]? from)\b[^.]{0,40}\b(intervention|oversight|"
            r"supervision|improvement (and assurance )?board|ministerial board)\b"
        ),
        0.3,
        unless=_re(
            r"\bextend(s|ing)? (the |its |their )?(intervention|oversight|commissioners|"
            r"powers|inspection)|\b(has|have|had|been|was|were|is|are|will be) extended\b|"
            r"\b(remain\w*|continu\w*|not yet|still|fresh)\b|"
            r"\bnew commissioners\b|\b(has|have|had) left (nobody|no one|no|a|an)\b"
        ),
    ),
    Cap(
        "good_rating",
        "governance_failure",
        _re(r"\b(rated|judged|graded|now|as) ['‘\"]?(good|outstanding)\b"),
        0.3,
        unless=_re(r"\binadequate\b(?![^.]{0,30}\bto\b)"),
    ),
    # DOMAIN.md: "defections that leave control unchanged" are routine politics; a
    # defection sentence counts only when it speaks of majority or control
    Cap(
        "defection_no_control",
        "political_instability",
        _re(
            r"\bdefect\w*|\b(switch(es|ed)?|cross(es|ed|ing)?) (the floor|sides|parties)\b|"
            r"\bchange[sd]? (parties|party|allegiance)\b|"
            r"\bjoin(s|ed)? (the )?(Conservatives|Labour|Liberal Democrats|Lib Dems|"
            r"Reform( UK)?|Greens?|Green Party|SNP|Plaid( Cymru)?|Independents?)\b"
        ),
        0.3,
        unless=_re(
            r"\b(lose|loses|lost|losing|give|gives|gave|giving|hand\w*|win|wins|won|gain\w*|"
            r"regain\w*|take|takes|took|wipe\w*|cost\w*|overall)\b[^.,;]{0,30}\b(majority|control)\b|"
            r"\b(balance of power|hung|no overall control|minority administration|coalition|"
            r"casting vote|kingmaker|ousted|toppl\w*|collaps\w*|no confidence|change[sd]? "
            r"hands)\b|\bend(s|ed|ing)?\b[^.,;]{0,30}\bmajority\b|\b(second|third|fourth|"
            r"another|latest|string of|series of|wave of|run of) defections?\b|"
            # "...no group now holds a majority", "leaving it in a minority"
            r"\bno (single |one )?(group|party)\b[^.,;]{0,30}\b(majority|control)\b|"
            r"\bminority\b|\bwithout (a|an|its|any|overall) (\w+ )?majority\b"
        ),
    ),
    # a leader sharing out portfolios is routine; a reshuffle forced by a row is not
    Cap(
        "cabinet_reshuffle",
        "political_instability",
        _re(
            r"\breshuffle\b|\b(joins?|joined|appointed to|promoted to) (the |his |her )?"
            r"cabinet\b|\bnew (cabinet member|portfolio holder)\b"
        ),
        0.3,
        unless=_re(
            r"\b(sack\w*|ousted|no confidence|resign\w*|rebel\w*|row|split|coup|challenge|"
            r"crisis|infighting|walk\w* out|quit\w*)\b"
        ),
    ),
    # DOMAIN.md: spending on services is not distress unless the money is short
    Cap(
        "service_investment",
        "financial_distress",
        _re(
            r"\b(invest\w*|to spend|spend(s|ing)? (nearly |almost |over |more than )?£|"
            r"allocat\w*|boost|million[- ]pound)\b[^.]{0,80}\b(roads?|potholes?|schools?|"
            r"parks?|leisure|housing|regeneration|librar(y|ies)|play ?areas?|town centre|"
            r"homes|pavements?|flood defences)\b"
        ),
        0.3,
        unless=_re(
            r"\b(gap|over-?spen\w*|deficit|shortfall|cuts?|freeze|s\.?114|section 114|debt|"
            r"bankrupt\w*|reserves|savings|pressures?|black hole|loss(es)?|crisis|overrun\w*|"
            r"borrow\w*|exceptional financial support|capitalisation|unaffordable)\b"
        ),
    ),
    # DOMAIN.md: "a clear single-party majority" is not instability; a party that keeps
    # its majority or control at an election is the clearest case
    Cap(
        "control_kept",
        "political_instability",
        _re(
            r"\b(keeps?|kept|keeping|retains?|retained|retaining|holds?|held|holding|"
            r"hangs? on to|hung on to) (on to |onto )?(its |their |his |her |overall |a )?"
            r"(overall |working |comfortable |clear |outright |large |big |huge |healthy |"
            r"solid |strong |reduced |slim |slimmer |narrow |narrower )?(majority|control)\b|"
            r"\b(increased|bigger|larger|comfortable) majority\b|\b(remains?|still has|"
            r"with) (a |its |an )?(working|clear|comfortable|overall|outright) majority\b"
        ),
        0.3,
        unless=_re(
            r"\b(lose|loses|lost|losing|gave up|give up|hand\w*|cost\w*|wipe\w*)\b[^.,;]{0,30}"
            r"\b(majority|control)\b|\b(no overall (control|majority)|hung|minority "
            r"administration|coalition|no confidence|ousted|toppl\w*|collaps\w*|balance of "
            r"power|casting vote|deadlock\w*)\b"
        ),
    ),
    # an auditor's clean findings are good news, not a governance failure
    Cap(
        "clean_audit",
        "governance_failure",
        _re(
            r"\bno (significant |major |serious |key )?weakness(es)?\b|"
            r"\bunqualified (audit )?opinion\b|\bclean (bill of health|audit|set of accounts)\b|"
            r"\bno (statutory )?recommendations (were |was |have been )?(made|issued)\b"
        ),
        0.3,
        unless=_re(
            r"\b(but|however|although|except)\b[^.]{0,80}\b(weakness\w*|failings?|statutory "
            r"recommendations?|unlawful)\b|\b(adverse|disclaim\w*) opinion\b|"
            r"(?<!un)qualified (audit )?opinion\b|\bpublic interest\b"
        ),
    ),
    # a school, care home or hospital rated inadequate is not the council's own failing
    # unless the service is the council's (DOMAIN.md: Ofsted "inadequate" for a council)
    Cap(
        "provider_inspection",
        "governance_failure",
        _re(
            r"\b(school|academy|nursery|care home|nursing home|hospital|gp surgery|surgery|"
            r"college|prison|hotel|restaurant|takeaway)s?\b[^.]{0,60}\b(rated|judged|"
            r"graded|found to be|branded) ['‘\"]?(inadequate|requires improvement)\b|"
            r"\b(police( force)?|constabulary|fire (and rescue )?service|nhs trust|hospital "
            r"trust|ambulance service|health board)\b[^.]{0,60}\b(told to improve|requires? "
            r"improvement|inadequate|special measures|failing)\b"
        ),
        0.3,
        unless=_re(
            r"\b(children'?s services|social (care|services)|council-run|run by the council|"
            r"council's own|the council runs|local authority-run|SEND services|youth "
            r"justice)\b"
        ),
    ),
    # DOMAIN.md: income reported as producing money is not distress
    Cap(
        "income_ahead",
        "financial_distress",
        _re(
            r"\b(earn\w*|income|interest|receipts|returns?|revenue|rent)\b[^.]{0,40}\b(more|"
            r"higher|better|above|ahead|greater|bigger)\b[^.]{0,40}\b(budgeted|expected|"
            r"forecast|planned|target)\b"
        ),
        0.3,
        unless=_re(
            r"\b(gap|over-?spen\w*|deficit|shortfall|s\.?114|section 114|bankrupt\w*|"
            r"black hole|losses?|debts?|costs?|borrowing|pressures?)\b"
        ),
    ),
    # a climate or nature emergency is a policy declaration, not a financial one
    Cap(
        "non_financial_emergency",
        "financial_distress",
        _re(
            r"\b(climate|ecological|nature|biodiversity|environment(al)?|air quality)"
            r"( and (ecological|nature|biodiversity))? emergency\b"
        ),
        0.3,
        unless=_re(
            r"\b(gap|over-?spen\w*|deficit|shortfall|s\.?114|section 114|bankrupt\w*|"
            r"black hole|exceptional financial support|capitalisation|(financial|budget|"
            r"funding) (crisis|pressures?))\b"
        ),
    ),
    Cap(
        "ceremonial",
        "political_instability",
        _re(
            r"\b(mayor[- ]making|civic mayor|mayor for the (coming )?year|chairman of the "
            r"council|re-elected (unopposed|as leader)|no other nominations)\b"
        ),
        0.3,
        unless=_re(r"\b(ousted|no confidence|resign\w*|defect\w*)\b"),
    ),
)


def _apply(sentence: str, probs: dict[str, float]) -> tuple[dict[str, float], list[str], list[Cap]]:
    """One pass over the rules and caps: the adjusted probabilities, the names fired, and
    the caps whose trigger matched a label no rule raised."""
    out = dict(probs)
    fired: list[str] = []
    raised: set[str] = set()
    ended = bool(_ENDED.search(sentence))
    lowered = fold(sentence)
    for rule in RULES:
        if rule.name in _RULE_VETO_ENDED and ended:
            continue
        if rule.matches(sentence, lowered):
            raised.add(rule.label)
            if out.get(rule.label, 0.0) < rule.floor:
                out[rule.label] = rule.floor
            fired.append(rule.name)
    triggered = []
    for cap in CAPS:
        if cap.label in raised or not cap.triggered(sentence, lowered):
            continue
        triggered.append(cap)
        if out.get(cap.label, 0.0) > cap.ceiling and not (
            cap.unless is not None and cap.unless.search(sentence)
        ):
            out[cap.label] = cap.ceiling
            fired.append(f"cap:{cap.name}")
    return out, fired, triggered


def apply_rules(sentence: str, probs: dict[str, float]) -> tuple[dict[str, float], list[str]]:
    """Adjust one sentence's probabilities; return them with the names of the rules that
    fired (for the explanation of a tag)."""
    out, fired, _ = _apply(sentence, probs)
    return out, fired


def read_sentence(
    sentence: str, probs: dict[str, float], context: str
) -> tuple[dict[str, float], list[str], set[str]]:
    """:func:`apply_rules` plus the labels its caps deny to this sentence whatever its
    score: those of a cap that lowered it here, and those of a cap whose trigger matched a
    label no rule raised here and whose exception appears nowhere in ``context`` (the whole
    item: "Two councillors joined the Conservatives. The move gives them overall control"
    keeps its label).  Each trigger is searched once."""
    out, fired, triggered = _apply(sentence, probs)
    denied = {f.removeprefix("cap:") for f in fired if f.startswith("cap:")}
    capped = {
        c.label
        for c in triggered
        if c.name in denied or not (c.unless is not None and c.unless.search(context))
    }
    return out, fired, capped


# how caps and rules combine with the network's scores (bump on a change of meaning)
_COMBINING = "2: a cap matched in a sentence bounds the whole-text score"


def rules_fingerprint() -> str:
    """Changes whenever a rule or cap changes, so stored tags know which rules made them."""
    import hashlib

    parts = [_COMBINING] + [
        f"{r.name}|{r.label}|{r.trigger.pattern}|{r.floor}|{r.veto.pattern if r.veto else ''}"
        for r in RULES
    ]
    parts += [
        f"{c.name}|{c.label}|{c.trigger.pattern}|{c.ceiling}|{c.unless.pattern if c.unless else ''}"
        for c in CAPS
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:6]
