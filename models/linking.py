"""Which council(s) is an item about?

Evidence, strongest first:

* the source: a council's own newsroom or committee system is about that council;
* the URL: a page on a council's own domain (``news.leeds.gov.uk``; for a former council,
  ``<its name>.gov.uk``);
* names in the text, found in one pass by an Aho-Corasick automaton over every council's
  official name, short name, register aliases and press forms ("X Council", "X CC",
  "Northants").  A full council name ("Woking Borough Council") is strong evidence; a
  bare place name ("a row in Woking") is weaker, and is dropped when it is a person
  ("Cllr Hastings", "Angus Robertson", "the Archbishop of Canterbury"), a club
  ("Newcastle United", "Bath Rugby", a county in a cricket report), another body of the
  same name ("Kent Police", "Leeds Beckett University", "the Liverpool Echo"), a street
  or park named after it ("London Road", "Norfolk Park"), a place abroad ("New York",
  "Perth, Western Australia", "Boston in Massachusetts"; once shown abroad, abroad all
  through the item), a seat of government ("MPs at Westminster", "the Welsh Government
  in Cardiff"), a health board ("NHS Kent and Medway"), a combined authority or regional
  mayor ("the Hull and East Yorkshire mayor", "Greater Lincolnshire") or not capitalised
  ("reading"). A bare name before "City Council" that no council bears is a city
  council abroad ("Christchurch City Council") or a parish-level one ("Truro City
  Council", linked as a town council is).
  "A Surrey council has..." (or "a Kent district council", "two Norfolk councils",
  "councils in Kent") is one or several of the councils in the county, so it does not
  link the county council ("a Surrey council spokesman" does), nor does a county word in
  the item's address (a news site's regional section) then link it.

Ambiguous names are resolved by context (Newcastle upon Tyne or under-Lyme, Richmond upon
Thames or Richmondshire, Kingston upon Thames or upon Hull, Newport in Wales or on the
Isle of Wight), then by the region the item is about: that of its site, its outlet (a
local paper's council, or a regional paper's area in
``monitor/register/regional_outlets.csv``), a BBC or ITV regional section, and the other
councils and towns it names; so "Bangor" in a BBC Northern Ireland story is Ards and North
Down, and a town two councils share (Gillingham, Whitchurch) links only when the region
settles it.  They are also resolved by date (Somerset County
Council before April 2023, Somerset Council after), and a council abolished by the item's
date is linked as the former council with its successors noted when it is named as a
council; its bare name after that date is its town, in the council of the day
("Kettering" in 2022: North Northamptonshire).  An undated item takes its date from its
address when that has one ("/2018/05/12/").  The councils named in the headline or
first sentence are *primary* (when those name none, the first sentence that names one in
full leads); the others are *mentioned*, and on a council's own site (its newsroom, its
committee system, its domain; a site two councils share is the one its words name, or
both) every other council is mentioned.

When nothing in the text or the URL names a council, the towns and districts it names
(``monitor/register/places.csv``: Swanage is in Dorset, Caldicot in Monmouthshire) point
to their council at low confidence; a town in a two-tier area means its district, or its
county when the text speaks of "the county council" (as does a district's outlet, or an
address naming the district, then).  A paper's section for a region of several councils
("/news/hull-east-yorkshire-news/") names none of them.  A town followed by "council"
("Brighton council", "Bath councillors") is its council's seat and counts as a name
wherever it appears, and a council's own company ("Robin Hood Energy",
``monitor/register/bodies.csv``) counts as its bare name.  Last, a local outlet whose
patch is a single council (``monitor/register/outlets.csv``: Inside Croydon, the Rotherham
Advertiser...) makes that council primary at low confidence: local papers often write
"the council" and never say which (a paper of an abolished district speaks, after the
abolition, of the council that took it over).  Very last, a site named after a town or
village (a parish council's, a harbour trust's: ``kelvedon-pc.org``,
``pittenweemharbourtrust.org.uk``) points to that place's council at the lowest
confidence.

A town or parish council's own business (on its site, or "the town council" in the text)
is not its principal council's: a principal council reached only through a place is then
*mentioned*, unless the item speaks of a leader or a cabinet, which only a principal
council has.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Container, Iterable, Mapping, Set
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import pairwise
from typing import TypeVar
from urllib.parse import urlsplit

import ahocorasick

from monitor.types import Council

_T = TypeVar("_T")

__all__ = ["Link", "Linker", "normalise_name"]

_NON_WORD = re.compile(r"[^A-Za-z0-9&]+")
_NON_WORD_NOT_COMMA = re.compile(r"[^A-Za-z0-9&,]+")
COUNCIL_WORDS = (
    "council",
    "cc",
    "bc",
    "dc",
    "mbc",
    "cbc",
    "mdc",
    "county council",
    "city council",
    "borough council",
    "district council",
    "corporation",
)
_STRONG_PREFIXES = (
    "london borough of ",
    "royal borough of ",
    "city of ",
    "lb ",
    "comhairle ",
    "cyngor ",  # "Cyngor Sir Penfro": the council's own Welsh name
    "council of the ",
    "borough council of ",
    "borough of ",
)
# the register spells "King's Lynn" and the like without the apostrophe
_REGISTER_POSSESSIVE = re.compile(r"\b(king|bishop|queen)s\b")
# "Cyngor Gwynedd", "Cyngor Sir Ddinbych", "Cyngor Bwrdeistref Sirol Wrecsam": the Welsh
# for "(county / county borough / city) council" before the area's name
_CYNGOR_BEFORE = re.compile(r" cyngor (sir |bwrdeistref sirol |dinas |dinas a sir )?$")
TITLES = {
    "mr",
    "mrs",
    "ms",
    "miss",
    "dr",
    "cllr",
    "councillor",
    "sir",
    "lord",
    "lady",
    "dame",
    "rev",
    "prof",
    "mp",
    "baroness",
    "cllrs",
    "justice",  # "Mrs Justice Lancaster", a High Court judge
    "judge",
    "alderman",
    "provost",
    "bailie",
}
# Common first names: a place name right after one is a surname ("John Preston").
FIRST_NAMES = frozenset(
    """
adam alan alex alexander alice alison amanda amy andrew andy angela ann anna anne
anthony barbara ben benjamin beth bill bob brian carol caroline catherine charles
charlie chris christine christopher claire colin craig daniel david dean deborah denise
derek diane donna edward elaine elizabeth emily emma eric fiona frank gary gavin george
gordon graham hannah harriet harry helen ian jack jacqueline james jamie jane janet
jason jean jennifer jenny jessica jim joan joanne joe john jonathan joseph julia julie
justin karen kate katherine keith kelly kenneth kevin kim laura lee lesley linda lisa
louise lucy lynn malcolm margaret maria mark martin mary matthew michael michelle mike
neil nicholas nicola nigel oliver olivia patricia paul pauline peter philip rachel
raymond rebecca richard robert roger ronald ruth sally sam samantha sarah scott sean
sharon simon sophie stephen steve steven stuart susan thomas toby tom tony tracey trevor
victoria wendy william
abraham ahmed ali amir anita bernard boris carl chloe clive dan dave dennis dominic ed
eddie eleanor fred gemma geoff gillian glenn grace hazel hugh imran isaac jacob jake
jeremy jo joel jon josh joshua kathryn keir kemi ken kirsty leo liam liz lorraine luke
marcus marie matt max mohammed muhammad nadine nathan nick norman oscar owen pat penny
phil priti rishi rob rod rory rosie russell ryan sadiq sajid sandra sara shaun sheila
stella stewart sue suella theresa tim tina tracy vince wes yvette zoe
rhys gareth dafydd sian bethan iwan huw eluned aled angharad ffion cerys ewan fraser
alasdair alastair hamish iain kirsten morag mhairi ailsa eilidh siobhan niamh aoife ciaran
declan seamus padraig eamonn sinead roisin colm conor arlene naomi priya anjali rajesh
sanjay amarjit gurpreet harjit abdul hassan hussain tariq shabana nadia yasmin fatima aisha
zara farah bilal kamran asif shahid rukhsana shazia kwame chidi femi tunde ade bola dele
ngozi chioma amara ayesha tamsin amelia ellie hollie lauren megan jade charlotte georgia
abigail poppy daisy evie millie freya isla alfie archie harvey reece kieran callum connor
tyler bradley darren wayne shane dylan aaron adrian damian duncan elliot francis geoffrey
giles gregory howard jeff jeffrey julian lawrence leslie marc martyn neville patrick ralph
rupert sebastian terence terry timothy vincent warren annette bridget carole cheryl clare
debbie diana dorothy eileen frances gail geraldine hilary irene jackie jill judith lynne
mandy marion maureen melanie miriam nicky paula rachael rosemary shirley sonia stephanie
suzanne teresa tessa valerie vanessa yvonne bev cath barry beverley hugo felix jasper
rufus tristan ollie benedict
""".split()
)
# "The Archbishop of Canterbury", "the University of Birmingham": a title or another body
_TITLE_OF = re.compile(
    r"\b((arch)?(bishop|duke|duchess|earl|countess|marquess|dean|baron|viscount|prince|"
    r"princess)|university|diocese|duchy)\s+of\s*$",
    re.I,
)
# A place followed (within three words besides "and" and "of", "Council" not among them)
# by one of these is another body of that name: "Kent Police", "East Sussex Healthcare NHS
# Trust", "Leeds Beckett University", "Devon and Cornwall Police"
ORGANISATION_WORDS = frozenset(
    """police constabulary fire nhs healthcare hospital hospitals ambulance icb university
    college airport wildlife cricket ccc rugby chamber cathedral prison zoo society union
    diocese enterprise ballet opera orchestra philharmonic board court courts tribunal
    trains railway fringe foodbank advice rotary healthwatch parliament hospice club
    trades bank""".split()
)
# ...and these only right after it ("the Liverpool Echo", "Hull Daily Mail", "Woking MP",
# "Thames Water"): as a later word of a title-case headline they are ordinary words
# ("Woking Debt Latest News")
NEXT_WORD_BODIES = frozenset(
    """echo post live telegraph times herald mercury observer advertiser gazette chronicle
    evening daily courier journal standard argus mail news express examiner press park
    festival water mp mps pcc palace star sentinel messenger online reporter brown""".split()
)
# lower-case words after "fire" that make it the fire service, not a fire in the town
_FIRE_NEXT = frozenset(
    "service services and brigade authority crews station stations chief chiefs".split()
)
# What a county council runs in a two-tier area, and what its districts run: an item about
# the first that names only a town is the county's ("potholes in Tonbridge", "a library in
# Leiston"); "care homes" and "council tax" are left to neither
_COUNTY_SERVICES = frozenset(
    """library libraries pothole potholes highways roadworks gritting gritters
    streetlights streetlight pavements footpaths cycleway school schools pupils
    headteacher ofsted fostering bus buses""".split()
)
_COUNTY_SERVICE_PHRASES = (
    " social care ",
    " care leavers ",
    " special educational needs ",
    " school transport ",
    " recycling centre",
    " household waste ",
    " trading standards ",
    " public health ",
    " speed limit",
)
_DISTRICT_SERVICES = frozenset(
    """bin bins planning housing homelessness homeless tenants leisure licensing licence
    licences taxi taxis crematorium allotments""".split()
    # and the council itself, whose bare name may be the town's ("Woking's debts could
    # close libraries"): left as it was
    + """debt debts bankrupt bankruptcy commissioners leader cabinet budget overspend
    deficit""".split()
)
_DISTRICT_SERVICE_PHRASES = (
    " waste collection",
    " recycling collection",
    " car park",
    " local plan ",
    " green belt ",
    " environmental health ",
    " food hygiene ",
    " council homes ",
)


def _county_service_item(norm: str, words: Set[str]) -> bool:
    """Does the item speak of a county council's services and none of a district's?"""
    county = not _COUNTY_SERVICES.isdisjoint(words) or any(
        p in norm for p in _COUNTY_SERVICE_PHRASES
    )
    return (
        county
        and _DISTRICT_SERVICES.isdisjoint(words)
        and not any(p in norm for p in _DISTRICT_SERVICE_PHRASES)
    )


# members of the parliaments; a place named as a member's seat ("Woking MP ...", "the MP
# for Woking") is not the council, but says which council "the council" is when the item
# names none
_MEMBERS = ("mp", "mps", "msp", "ms", "mla")
_SEAT_AFTER = tuple(f" {m} " for m in _MEMBERS)
_SEAT_BEFORE = tuple(f" {m} for " for m in _MEMBERS)
# "the MP for Stroud", "the police and crime commissioner for Kent": not the council
_HOLDER_FOR = frozenset((*_MEMBERS, "commissioner", "pcc"))
# Council places that are also first names, surnames or parts of longer place names:
# followed by another capitalised word they are taken to be something else.
PERSONISH = {
    "angus",
    "moray",
    "hart",
    "eden",
    "preston",
    "bolton",
    "lincoln",
    "stafford",
    "derby",
    "sutton",
    "hastings",
    "wakefield",
    "barnet",
    "bury",
    "dover",
    "crawley",
    "corby",
    "chester",
    "warwick",
    "lewes",
    "rugby",
    "reading",
    "bath",
    "wells",
    "copeland",
    "milton",
    "newport",
    "stirling",
    "dudley",
    "richmond",
    "durham",
    "beverley",  # also a first name: "Beverley Hughes"
    # towns of the gazetteer that are also surnames or the first word of a longer name
    "hamilton",
    "barry",
    "alton",
    "irvine",
    "bingham",
    "radley",
    "moffat",
    "annan",
    "coldstream",
    "lawford",
    "pickering",
    "hawes",
    "bentham",
    "cathcart",
    "pomeroy",
    "charing",
    "raglan",
    "buckley",
    "mostyn",
    "hadfield",
    "charlesworth",
    "whalley",
    "craven",  # Craven Cottage, Craven Arms
}
# Councils named after a river, which "the" before the name means
RIVERS = frozenset("rother wyre eden test cherwell torridge".split())
# ... of which these are also first names ("Angus Robertson", "Irvine Welsh", "Dudley
# Moore"): followed by a capitalised word they stay a person even in a title-case headline
FIRST_NAME_PLACES = frozenset(
    """angus moray barry irvine milton eden preston hamilton stirling dudley lincoln
    warwick chester alton richmond""".split()
)
# Nouns a title-case headline puts after a town ("Bolton Budget Gap Widens", "Bath
# Residents Face Higher Bills"): not surnames, so the town stays a town
HEADLINE_NOUNS = frozenset(
    """council councils county borough city district councillor councillors cllr cllrs
    mayor leader cabinet residents people families parents pupils tenants traders shops
    businesses drivers voters taxpayers budget budgets tax taxes cuts savings debt deficit
    bankruptcy finances funding bins rubbish recycling potholes roads parking housing homes
    schools school library libraries leisure flooding floods planning scheme plans plan
    election elections by-election vote ward wards row crisis news latest live closure
    closures protest protests anger fury
    in on at to for of over as after amid with by from into against could will would may
    must should is are was were has have had faces face gets set""".split()
)
SPORT_SUFFIXES = {
    "united",
    "kr",  # Hull KR
    "wednesday",  # Sheffield Wednesday
    "rovers",
    "wanderers",
    "athletic",
    "albion",
    "rangers",
    "hotspur",
    "villa",
    "argyle",
    "orient",
    "forest",
    "fc",
    "afc",
    "celtic",
    "thistle",
    "dons",
    "stanley",
    "harriers",
    "falcons",
    "eagles",
    "tigers",
    "sharks",
    "warriors",
    "titans",
    "rhinos",
    "giants",
    "saints",
    "wolves",
    "raiders",
    "knights",
    "bulls",
    "vikings",
    "steelers",
    "panthers",
    "cobras",
    "chiefs",
    "bears",
    "blues",
    "scarlets",
    "rfc",
    "rlfc",
}
# A place name followed by one of these names a street or a park, which may be anywhere:
# "London Road" runs out of most towns, "Norfolk Park" is in Sheffield.
STREET_SUFFIXES = frozenset(
    "road street avenue lane drive close crescent terrace gardens grove park way".split()
)
# Words that make a text a sports report, looked up in the set of its words (a
# case-insensitive regular expression over the text took a third of the time of linking)
SPORT_WORDS = frozenset(
    """match goal league striker manager fans fixture championship squad stadium defender
    midfielder goalkeeper transfer try tries scored relegation relegated premiership playoff
    playoffs football footballer cricket cricketer tennis""".split()
)
_COUNCIL_TALK = frozenset(
    "council councils councillor councillors cllr authority mayor cabinet".split()
)
# Words of a cricket report, where the counties' bare names are their teams
CRICKET_WORDS = frozenset(
    "wicket wickets innings batting bowled bowler bowlers batsman batsmen batter batters".split()
)
SPORT_PHRASES = (" kick off ", " cup tie ", " play off ", " home games ", " away games ")
# Council names that are also verbs: "Reading the report, ..." is no town
VERBISH = frozenset(("reading", "bury"))
_VERB_OBJECTS = frozenset(
    """the a an this that these those it them his her their our its through about""".split()
)
# after a town, words that make it a town, parish or community council, not its principal one
_LOCAL_COUNCIL_AFTER = re.compile(r" (town|parish|community) council\b")
# "Christchurch City Council", "Boston City Council": a bare name before "City Council"
# that no council of the register bears is a city council abroad ... or one of the
# parish-level city councils of these cities, whose principal council has another name
_CITY_COUNCIL_AFTER = " city council"
_PARISH_CITIES = frozenset(
    (
        "truro",
        "salisbury",
        "ripon",
        "wells",
        "hereford",
        "chichester",
        "lichfield",
        "ely",
        "bangor",
        "st davids",
        "st asaph",
    )
)


def _title_case(after: list[str]) -> bool:
    """Are the words after a name those of a title-case headline ("Bath Residents Face
    Higher Bills"), where a capitalised next word says nothing about a person's name?"""
    following = after[1:4]
    return len(following) >= 1 and all(w[:1].isupper() or not w[:1].isalpha() for w in following)


# regional sections of the broadcasters' sites: BBC "/news/uk-england-kent-...", ITV
# "/news/anglia/..."
_BBC_ENGLAND = {
    "London": "london",
    "South East": "kent|sussex|surrey|hampshire|berkshire|oxford|beds-bucks-herts",
    "East of England": "essex|suffolk|norfolk|cambridgeshire",
    "West Midlands": "birmingham|coventry-warwickshire|stoke-staffordshire|shropshire"
    "|hereford-worcester",
    "East Midlands": "nottingham|leicester|derby|derbyshire|lincolnshire|northamptonshire",
    "North West": "manchester|merseyside|lancashire|cumbria",
    "North East": "tyne|tees",
    "Yorkshire and The Humber": "york-north-yorkshire|leeds-west-yorkshire|south-yorkshire|humber",
    "South West": "bristol|somerset|gloucestershire|wiltshire|devon|cornwall|dorset",
}
_BROADCAST_REGIONS: dict[str, tuple[tuple[re.Pattern[str], str], ...]] = {
    "bbc.co.uk": (
        (re.compile(r"^/news/uk-scotland\b"), "Scotland"),
        (re.compile(r"^/news/uk-wales\b"), "Wales"),
        (re.compile(r"^/news/uk-northern-ireland\b"), "Northern Ireland"),
        *((re.compile(rf"^/news/uk-england-({areas})\b"), r) for r, areas in _BBC_ENGLAND.items()),
    ),
    "itv.com": tuple(
        (re.compile(rf"^/news/{section}\b"), region)
        for section, region in (
            ("utv", "Northern Ireland"),
            ("wales", "Wales"),
            ("london", "London"),
            ("meridian", "South East"),
            ("anglia", "East of England"),
            ("granada", "North West"),
            ("tyne-tees", "North East"),
            ("calendar", "Yorkshire and The Humber"),
            ("westcountry", "South West"),
        )
    ),
}
_BROADCAST_REGIONS["bbc.com"] = _BROADCAST_REGIONS["bbc.co.uk"]


def _is_bbc(host: str) -> bool:
    return any(host == d or host.endswith("." + d) for d in ("bbc.co.uk", "bbc.com"))


def _list_continuations(
    cased: str, matches: list[tuple[int, int, str, tuple[tuple[str, bool], ...]]]
) -> set[int]:
    """Starts of names that continue a list with "and" or "or" somewhere in it ("after
    Birmingham, Croydon and Woking"); a name after a comma alone may begin a new clause
    ("Unlike Birmingham, Solihull has...")."""
    out: set[int] = set()
    group: list[int] = []
    joined = False
    for (_, p_end, _, _), (start, _, _, _) in zip(matches, matches[1:], strict=False):
        gap = "..." if start - p_end > 3 else cased[p_end - 1 : start + 1].strip().lower()
        if gap in _LIST_JOIN and not (joined and not gap):  # "A, B and C, D": D is new
            group.append(start)
            joined = joined or bool(gap)
            continue
        if joined:
            out.update(group)
        group, joined = [], False
    if joined:
        out.update(group)
    return out


def _joined(cased: str, p_end: int, start: int) -> bool:
    """Are the names ending at ``p_end`` and starting at ``start`` listed together: next to
    each other (a comma or a space between) or joined by "and", "or", "&"?"""
    return start - p_end <= 3 and cased[p_end - 1 : start + 1].strip().lower() in _LIST_JOIN


def _joined_to_another(
    cased: str, matches: list[tuple[int, int, str, tuple[tuple[str, bool], ...]]], i: int
) -> bool:
    """Is the i-th name listed with the one before or after it ("Westminster, Camden and
    Islington")?"""
    return any(
        a >= 0 and b < len(matches) and _joined(cased, matches[a][1], matches[b][0])
        for a, b in ((i - 1, i), (i, i + 1))
    )


def _named_after_nhs(
    cased: str,
    matches: list[tuple[int, int, str, tuple[tuple[str, bool], ...]]],
    spans: list[tuple[int, int, str]],
) -> set[int]:
    """Starts of the places that name a health board: "NHS Fife", "NHS Kent and Medway",
    "NHS Birmingham and Solihull" (the list right after "NHS")."""
    tokens = sorted(
        [(m[0], m[1], m[2].endswith(" council")) for m in matches]
        + [(s[0], s[1], False) for s in spans]
    )
    out: set[int] = set()
    prev_end = -1
    for start, end, council in tokens:
        if council:
            prev_end = -1  # "NHS Fife and Fife Council": the council is named as one
        elif cased.endswith(" NHS", 0, start) or (
            prev_end >= 0 and _joined(cased, prev_end, start)
        ):
            out.add(start)
            prev_end = end
        else:
            prev_end = -1
    return out


def _sport_suffix_after(norm: str, end: int) -> str:
    """The word after a name ending at ``end`` when it ends a club's name ("forest" in
    "nottingham forest"), else ""."""
    word = norm[end : end + 16].split(" ", 1)[0]  # no copy of the rest
    return word if word in SPORT_SUFFIXES else ""


def _sporty(norm: str, words: set[str]) -> bool:
    """Is this (padded, normalised) text, whose words are ``words``, about sport?"""
    return not SPORT_WORDS.isdisjoint(words) or any(p in norm for p in SPORT_PHRASES)


# after a place: "Perth, Western Australia", "Boston in Massachusetts", "Christchurch City
# Council in New Zealand"
_ABROAD_PLACES = (
    "new south wales|western australia|queensland|victoria|tasmania|australia|"
    "ontario|quebec|nova scotia|british columbia|alberta|manitoba|canada|new zealand|usa|"
    "u s|united states|us state|america|virginia|alabama|massachusetts|pennsylvania|"
    "new hampshire|new york|new jersey|rhode island|connecticut|maryland|ohio|michigan|"
    "illinois|oregon|maine|tennessee|delaware|north carolina|south carolina|texas|"
    "florida|california|kentucky|jamaica|south africa|india|ireland|"
    # the Republic's counties, with "County" or "Co" before them ("Newport, County Mayo"):
    # bare, some are English towns too (Louth, Clare)
    + "|".join(
        f"{prefix} {county}"
        for county in """carlow cavan clare cork donegal dublin galway kerry kildare kilkenny
        laois leitrim limerick longford louth mayo meath monaghan offaly roscommon sligo
        tipperary waterford westmeath wexford wicklow""".split()
        for prefix in ("county", "co")
    )
).split("|")
ABROAD = re.compile(
    r"^[,\s]+(?:(?:city|county|district|borough)\s+)?(?:council\s+)?(?:in\s+(?:the\s+)?)?"
    r"(" + "|".join(_ABROAD_PLACES) + r")\b",
    re.I,
)
# the words that end those places: a text with none of them names no place abroad
_ABROAD_LAST_WORDS = frozenset(place.split()[-1] for place in _ABROAD_PLACES)
# Bare names shared by councils, with the context words that pick one; the last entry
# is the default when no cue appears.
AMBIGUOUS: dict[str, list[tuple[str, tuple[str, ...]]]] = {
    "newcastle": [
        ("E07000195", ("under lyme", "staffordshire", "kidsgrove", "keele")),
        ("E08000021", ()),
    ],
    "richmond": [
        ("E07000166", ("yorkshire", "richmondshire", "catterick", "swaledale")),
        ("E09000027", ()),
    ],
    "kingston": [
        ("E06000010", ("hull", "humber", "yorkshire")),
        ("E09000021", ()),
    ],
    # Sutton-in-Ashfield is "Sutton" to its own press
    "sutton": [
        ("E07000170", ("ashfield", "mansfield", "nottinghamshire", "notts")),
        ("E09000029", ()),
    ],
    # the Isle of Wight's county town and a Shropshire market town share the Welsh city's
    # name
    "newport": [
        ("E06000046", ("isle of wight", "iow", "cowes", "ryde")),
        ("E06000020", ("telford", "shropshire", "wrekin")),
        ("W06000022", ()),
    ],
}
WEAK_CONFIDENCE = 0.55
URL_CONFIDENCE = 0.9  # a page on the council's own site
URL_WORDS_CONFIDENCE = 0.45
OUTLET_CONFIDENCE = 0.4
PLACE_CONFIDENCE = 0.35
URL_PLACE_CONFIDENCE = 0.3
HOST_PLACE_CONFIDENCE = 0.25
# a site named after a town or village: "pittenweemharbourtrust.org.uk", "kelvedon-pc.org";
# shorter names are too often ordinary words ("leek", "ware")
_HOST_PLACE_MIN = 6
# the labels of a host that name no site: registries' second levels and service prefixes
_HOST_GENERIC = frozenset(
    """www com co org net gov uk ac sch nhs info scot wales cymru eu io blog news mail web
    site online democracy moderngov committees""".split()
)
# a town, parish or community council's own site, and its own words: a place there is
# that local council's, and its principal council only the area's ("corbridgetowncouncil",
# "kelvedon-pc")
_LOCAL_COUNCIL_HOST = re.compile(r"(pc|tc|parishcouncil|towncouncil|communitycouncil)$")
_LOCAL_COUNCIL_WORDS = (" town council", " parish council", " community council")
# ...unless the item speaks of what only a principal council has: a leader and a cabinet
_PRINCIPAL_WORDS = (" leader of the council ", " council leader ", " cabinet ")
_NATIONAL_SECTION = re.compile(r"/(uk-news|national|world|politics/uk|business/national)(/|$)")
STRONG_CONFIDENCE = 0.95
TOWN_COUNCIL_CONFIDENCE = 0.8
# after a town: its principal council, not a town or parish council ("Swanage Town Council")
_TOWN_COUNCIL = re.compile(r" (city |borough |district )?council(lors?)?\b")


_INDEFINITE = re.compile(
    r"\b(a|an|another|one|two|three|four|five|six|seven|eight|nine|ten|\d+|several|some|many|"
    r"both|all|other)\s*$",
    re.I,
)
# "councils in Kent", "authorities across Surrey"
_COUNCILS_IN = re.compile(
    r"\b(councils|authorities|boroughs|districts)\s+(in|across|throughout)\s*$", re.I
)
# what follows the county's name: "(district) council(s)", "borough(s)", "district(s)",
# "authorities"
_THEN_BODY = re.compile(
    r"\s*((?:district|borough|city)\s+)?"
    r"(councils?|boroughs?|districts?|authorit(?:y|ies)|town hall)\b\s*([\w-]*)",
    re.I,
)
# after a list of names: "Reading, Wokingham and Bracknell councils", "Kent, Surrey and
# Essex county councils"
_COUNCILS_AFTER = re.compile(r" ((county|city|borough|district) )?councils\b", re.I)
# a part of a county named by its compass point: "north Kent", "the South Devon coast",
# "Mid Kent council" (a region whose council the text does not name)
_PART_OF = re.compile(r"\b(north|south|east|west|mid|central)( (east|west))? $", re.I)
# ...or before it: "councils in Devon, Plymouth and Torbay", "the councils of Kent and Medway"
_COUNCILS_BEFORE = re.compile(r"\bcouncils (in|of|for|across) (the )?$", re.I)
_PLURAL_BODIES = frozenset(("councils", "boroughs", "authorities"))
_ANOTHER_BEFORE = re.compile(r"\b(another|the next|a second) $", re.I)
_OWN_THINGS_AFTER = (" council", " borough", " city council", " county council", " mp ")
# words that introduce a council as a comparison, not the subject: "following Birmingham",
# "like Croydon before it", "the first since Hackney", "formerly of Hackney Council"
_COMPARED_BEFORE = re.compile(
    r"(\b(following|after|like|unlike|joining|joins|than|since|formerly|previously|echoing"
    r"|mirroring|former|defunct|abolished)\s+((of|at|in)\s+)?"
    r"|\b(joined|moved|came|arrived|recruited|poached)\s+from\s+"  # a career before
    r"|\b(worked|served)\s+(\w+\s+){0,2}(at|for|in)\s+"  # "who previously worked at"
    r"|\b(apart\s+from|except|except\s+for|other\s+than)\s+"  # "any council apart from"
    r"|\bsimilar\s+(\w+\s+){0,2}(in|at|by)\s+"  # "following similar cuts in Cardiff"
    r")(the\s+)?$",
    re.I,
)
# after a list of areas, a body over them all ("Hull and East Yorkshire mayor"), and after
# one area its combined authority
_REGIONAL_AFTER = re.compile(r" (mayor|mayoral|combined|metro mayor)\b", re.I)
_COMBINED_AFTER = re.compile(r" combined (county )?authorit(y|ies)\b")
# words after a council's bare name that make a term of it, not the place
_NOT_THE_PLACE_BEFORE = {
    "hackney": ("carriage", "carriages", "cab", "cabs"),  # a licensed taxi, anywhere
    "brent": ("crude", "oil", "blend"),
    "greenwich": ("mean",),
    "halifax": ("bank", "branch", "branches", "mortgage", "mortgages"),
}
# a place before one of these lower-case words names a product ("Worcester sauce",
# "Melton Mowbray pork pies", "Eccles cakes"), made or sold anywhere
_PRODUCTS_AFTER = frozenset(
    """sauce pork pie pies tart tarts cake cakes bun buns cheese cheeses sausage sausages
    rock fudge toffee ale""".split()
)
# places whose bare name is a company's in an item about its trade: "Halifax has cut
# mortgage rates" is the bank
_COMPANY_WHEN = {
    "halifax": frozenset("mortgage mortgages lender lenders lloyds isa isas remortgage".split()),
}
# lower-case words after "X Town" that make it the town ("Luton Town centre"), not its club
_TOWN_THINGS = frozenset(
    """centre center hall council councils councillor councillors deal fund board plan
    square station moor park bridge walls wall green meadow area ward residents people
    traders shops high and or of in is has""".split()
)
# what a person is, named before a first name or after a surname ("Headteacher Gareth
# Lincoln", "Amelia Preston, a spokeswoman for ...")
_PERSON_ROLES = frozenset(
    """headteacher teacher campaigner spokesman spokeswoman spokesperson resident chairman
    chairwoman director manager nurse doctor pupil student mother father mum dad landlord
    owner founder boss singer actor actress writer author artist footballer coach olympian
    broadcaster presenter comedian reporter journalist photographer solicitor barrister
    lawyer vicar inspector sergeant constable paramedic farmer businessman businesswoman
    entrepreneur architect engineer volunteer organiser treasurer trustee governor parent
    grandmother grandfather widow pensioner councillor cllr""".split()
)
_TITLES_AND_ROLES = frozenset(TITLES) | _PERSON_ROLES
# a party after a place is its group or branch, not a surname ("Durham's Labour-run
# council", "Hastings Labour group")
_PARTIES = frozenset(
    """labour conservative conservatives tory tories reform liberal lib snp
    plaid independent independents dup sdlp uup alliance""".split()
)
# what follows a club's name, never a council's ("Notts County were beaten")
_CLUB_WORDS = frozenset(
    """were fans boss manager striker midfielder defender goalkeeper keeper captain player
    players supporters beat drew lost won fc promoted relegated""".split()
)
# the devolved capitals, seats of government when "ministers in ..." precede them
_CAPITALS = frozenset(("cardiff", "edinburgh", "belfast"))
_GOVERNMENT_IN = re.compile(
    r"\b(government|ministers?|msps?|mss|mlas?|parliament|senedd|assembly|stormont|holyrood"
    r"|executive)"
    r"\s+(in|at)\s+$",
    re.I,
)
# bare names that the press uses for a seat of government more than for the council
# there: "MPs at Westminster", "the Westminster government" (the council is named as
# "Westminster City Council" or "Westminster council")
_SEATS_OF_GOVERNMENT = frozenset(("westminster",))
_COUNCIL_AREA_BEFORE = re.compile(
    r"\b(council\w*|authorit\w*|cllrs?|residents|tenants|voters)( \w+)? (in|of|from|at) $"
    r"|\b(labour|tory|conservative|dem|democrat|reform|green|snp|plaid|independent)s? "
    r"(run|led|controlled) $"  # "Tory-run Westminster"
)
# after a name, words that make it the council's area or the council ("the Rother
# authority", "Westminster residents"), not a river or a seat of government
_COUNCIL_AREA_AFTER = frozenset(
    """councillor councillors cllr cllrs residents resident tenants ward wards borough
    district authority local council""".split()
)
# Northern Ireland's six counties have had no councils since 1973; those whose names are
# also former districts' ("Down", "Armagh") are places when "County" or "Co" precedes them
_NI_COUNTIES = frozenset(("down", "antrim", "armagh", "tyrone", "londonderry", "derry"))
_COUNTY_BEFORE = re.compile(r"\b(county|co)\s+$")
# before the short name of an abolished council: the old council itself
_FORMERLY = re.compile(r"\b(former|old|defunct|abolished|previous|late|then)\s+$")
_LIST_JOIN = frozenset(("", "and", "or", "&"))
# "County Hall in Matlock", "Shire Hall in Warwick": a county council's seat
_COUNTY_HALL = re.compile(r" (county|shire) hall (in|at) $")
_COUNTY_HALL_AFTER = re.compile(r" (county|shire) hall ")
# unitary councils named after a whole county whose name does not end in "-shire"
_COUNTIES = frozenset(
    """Cornwall Durham Northumberland Somerset Dorset Rutland Cumberland Fife Angus Moray
    Highland""".split()
)
_BEYOND = 1 << 62  # sorts after any offset, for bisecting (start, end, gss) spans
# what "a Surrey council ..." goes on with when the council is Surrey's own
_COUNCIL_MODIFIED = frozenset(
    """spokesman spokeswoman spokesperson officer officers official officials worker workers
    employee employees staff meeting report tax committee cabinet source document budget
    scheme decision boss bosses chief vote""".split()
)


def _some_council_in(cased: str, start: int, end: int) -> bool:
    """Is a county named as the place of one or several of its councils, not as Surrey
    County Council: "a Surrey council has...", "a Kent district council", "an Essex
    borough", "two Norfolk councils", "councils in Kent"? ("a Surrey council spokesman"
    is the county's own.)"""
    word = cased[start + 1 : end - 1]
    if _COUNCILS_IN.search(cased[max(0, start - 40) : start + 1]):
        return True
    if word.lower().endswith(" council"):
        if not word.endswith(" council"):
            return False  # "a Surrey County Council report": the name in full
        kind, noun = None, "council"
        after = re.match(r"\s*([\w-]*)", cased[end - 1 :])
        nxt = after.group(1) if after else ""
    else:
        body = _THEN_BODY.match(cased, end - 1)
        if body is None:
            return False
        kind, noun, nxt = body.group(1), body.group(2).lower(), body.group(3)
        if not kind and body.group(2) in ("district", "borough"):
            return True  # "the North Yorkshire district", "the Surrey borough of Woking"
    if noun in _PLURAL_BODIES or noun == "districts":
        return True  # "Kent councils", "one of Surrey's councils", "Essex districts"
    if not _INDEFINITE.search(cased[max(0, start - 12) : start + 1]):
        return False
    if kind or noun != "council":
        return True  # "a Kent district council", "a Surrey borough"
    return nxt.lower() not in _COUNCIL_MODIFIED


_POSSESSIVE = re.compile(r"['’]s\b")
# deleted, not spaced: apostrophes, and the invisible soft hyphens and zero-width
# characters that scraped pages leave inside words ("Wok\u00ading\u00adham")
_DELETED = re.compile("['’\u00ad\u200b-\u200d\u2060\ufeff]")


def _prepare(text: str, non_word: re.Pattern[str] = _NON_WORD) -> str:
    """The cased text the automaton reads: possessives dropped ("Bradford's" and "King's
    Lynn" become "Bradford" and "King Lynn" on both sides), '&' a word of its own,
    punctuation and hyphens as spaces; positions stay aligned with its lower-case copy."""
    text = _POSSESSIVE.sub("", text)
    text = _DELETED.sub("", text).replace("&", " & ")
    return non_word.sub(" ", text)


# two words either side of a comma, in text prepared like the automaton's but for commas
_COMMA_PAIR = re.compile(r"([A-Za-z0-9&]+) ?, ?(?=([A-Za-z0-9&]+))")


def _prepare_commas(text: str) -> str:
    """``_prepare``, keeping commas: "Ely, Cambridgeshire" -> "Ely , Cambridgeshire"."""
    return _prepare(text.replace(",", " , "), _NON_WORD_NOT_COMMA)


# a sentence's end, but not an abbreviation's full stop ("St. Helens", "Cllr. Smith")
_SENTENCE_END = re.compile(
    r"[.!?\n](?<!\bSt\.)(?<!\bMr\.)(?<!\bMrs\.)(?<!\bMs\.)(?<!\bDr\.)(?<!\bCllr\.)(?<!\bCoun\.)\s"
)


def _offset(body: str, i: int) -> int:
    """Where ``body[i]`` falls in the padded text the automaton reads."""
    return len(" " + _prepare(body[:i]))


def _crossing(spans: list[tuple[int, int, str, _T]]) -> bool:
    """Do two of these (start-sorted) names cross, neither holding the other?"""
    reach_start, reach = -1, -1  # the name reaching farthest so far
    for start, end, _, _ in spans:
        if reach_start < start < reach - 1 < end - 1:
            return True
        if end > reach:
            reach_start, reach = start, end
    return False


class _Commas:
    """The word pairs a comma parts in an item ("Bury, Rochdale"), found on the first
    question: most items never ask, and finding them costs another pass over the text."""

    __slots__ = ("_body", "_pairs")

    def __init__(self, body: str) -> None:
        self._body = body
        self._pairs: set[tuple[str, str]] | None = None

    def __contains__(self, pair: object) -> bool:
        if self._pairs is None:
            self._pairs = _comma_pairs(self._body) if "," in self._body else set()
        return pair in self._pairs


def _comma_pairs(body: str) -> set[tuple[str, str]]:
    """The (lower-case) words either side of each comma of ``body``: "Bury, Rochdale"."""
    return {(a.lower(), b.lower()) for a, b in _COMMA_PAIR.findall(_prepare_commas(body))}


# the first word of a town's name that may be a possessive written without its
# apostrophe: "shepherds bush", "kings heath" (not "moss side")
_POSSESSIVE_FORM = re.compile(r"^([a-z]{3,}[^s\W])s ")
# a region named as where a place is ("east London", "in Wales", "the Welsh town of"),
# not as somewhere else ("tourists from London"), for reading a name two regions share
_REGION_CUE = re.compile(
    r" (?:(?:east|west|north|south|central|inner|outer|mid|in|across) (london|wales|scotland)"
    r"|(?:the )?(welsh|scottish) (?:town|city|village|county|council|seaside|coast)) "
)
_REGION_OF_CUE = {
    "london": "London",
    "wales": "Wales",
    "welsh": "Wales",
    "scotland": "Scotland",
    "scottish": "Scotland",
}
# "Kent County Council", not "the county council"
_NAMED_COUNTY_COUNCIL = re.compile(r"(?<! the) county council")
# a date in an address's path: "/2018/05/12/", "/2018/05/", "/2018-05-12-"
_URL_DATE = re.compile(r"/((?:19|20)\d\d)[/-](0[1-9]|1[0-2])(?:[/-](0[1-9]|[12]\d|3[01]))?(?=[/-])")


def _url_date(url: str | None) -> date | None:
    """The date an address's path gives, if any (the first of the month when it gives no
    day); None for none, or one that is no real date or lies in the future."""
    if not url:
        return None
    match = _URL_DATE.search(_host_path(url)[1])
    if not match:
        return None
    try:
        found = date(int(match[1]), int(match[2]), int(match[3] or 1))
    except ValueError:  # "/2019/02/30/"
        return None
    return found if found <= date.today() else None


# a section of a paper's site named after its patch: "/news/hull-east-yorkshire-news/"
_REGION_SECTION = re.compile(r"/([a-z-]+)-news/")


@lru_cache(maxsize=4096)
def _host_path(url: str | None) -> tuple[str, str]:
    """An address's lower-case host and its path, parsed once for the several checks of
    one item ("", "" when there is none or it cannot be parsed)."""
    if not url:
        return "", ""
    try:
        parts = urlsplit(url)
        return (parts.hostname or "").lower(), parts.path
    except ValueError:  # "http://[bad" and the like
        return "", ""


def normalise_name(name: str) -> str:
    return " ".join(_prepare(name).lower().split())


@dataclass(frozen=True)
class Link:
    gss: str
    name: str
    role: str  # primary | mentioned
    confidence: float
    method: str  # source | url | text | place | outlet
    former: bool = False
    successors: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "gss": self.gss,
            "name": self.name,
            "role": self.role,
            "confidence": round(self.confidence, 3),
            "method": self.method,
        }
        if self.former:
            data["former"] = True
            data["successors"] = list(self.successors)
        return data


@dataclass
class _Candidate:
    gss: str
    best: float = 0.0
    mentions: int = 0
    in_lede: bool = False
    first: int = -1  # where the text first names it (-1: never in words of its own)
    methods: set[str] = field(default_factory=set)
    plain: int = 0  # mentions not introduced as a comparison ("following Birmingham")
    # a district whose town is named only as where its county council's service is
    # ("potholes in Tonbridge"): the county is the item's council, the district mentioned
    served: bool = False

    @property
    def compared_only(self) -> bool:
        return self.methods == {"text"} and self.plain == 0

    @property
    def aside(self) -> bool:
        """Mentioned, unless the item names no other council."""
        return self.served or self.compared_only


def _is_strong(name: str) -> bool:
    return name.endswith(tuple(" " + w for w in COUNCIL_WORDS)) or name.startswith(_STRONG_PREFIXES)


class Linker:
    """Build once from the register (a few hundred milliseconds), then link many items."""

    def __init__(
        self,
        councils: Iterable[Council],
        outlets: dict[str, str] | None = None,
        places: dict[str, list[str]] | None = None,
        bodies: dict[str, list[str]] | None = None,
        regional: dict[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.councils = {c.gss: c for c in councils}
        self.regional = dict(regional or {})
        # county councils with districts beneath them: "a Surrey council" is one of those
        self.upper_tier = {c.parent_gss for c in councils if c.parent_gss}
        # county councils with districts today: a part of the county ("north Kent") is
        # some of the districts', not the county council's
        self.two_tier = {c.parent_gss for c in councils if c.parent_gss and c.current}
        self.outlets = {d: g for d, g in (outlets or {}).items() if g in self.councils}
        self.automaton = ahocorasick.Automaton()
        entries: dict[str, dict[str, bool]] = {}  # name -> {gss: strong}
        for c in self.councils.values():
            names = {c.name, c.short_name, *c.aliases}
            for raw in names:
                name = normalise_name(raw)
                if len(name) < 3 or name in ("council", "county council", "city council"):
                    continue
                # "King's Lynn" loses its possessive in the text read ("king lynn"), but
                # the register spells it "Kings Lynn"
                bare = _REGISTER_POSSESSIVE.sub(r"\1", name)
                for variant in {name, name.replace(" and ", " & "), bare}:
                    entries.setdefault(variant, {})[c.gss] = _is_strong(variant)
        # a council's own company named alone ("Robin Hood Energy") counts as its bare name
        for gss, body_names in (bodies or {}).items():
            if gss in self.councils:
                for raw in body_names:
                    entries.setdefault(normalise_name(raw), {})[gss] = False
        for name in AMBIGUOUS:
            entries.setdefault(name, {})
        # every town of the gazetteer -> its councils, those named like a council included
        self.town_owners: dict[str, tuple[str, ...]] = {}
        for gss, towns in (places or {}).items():
            if gss in self.councils:
                for raw in towns:
                    town = normalise_name(raw)
                    self.town_owners[town] = (*self.town_owners.get(town, ()), gss)
        # towns two current councils share (Bangor: Gwynedd or Ards and North Down) are
        # read like the ambiguous names, by the region the item is about
        self.shared_towns = {
            town: current
            for town, owners in self.town_owners.items()
            if len(town) >= 3 and town not in entries and town not in AMBIGUOUS
            for current in [tuple(sorted({g for g in owners if self.councils[g].current}))]
            if len(current) > 1
        }
        for name in self.shared_towns:
            entries.setdefault(name, {})
        for name, gss_map in entries.items():
            self.automaton.add_word(f" {name} ", (name, tuple(gss_map.items())))
        self.automaton.make_automaton()
        self.domains, self.shared_sites = self._domains()
        self.places = self._place_automaton(places or {}, entries)
        self.host_places = self._host_place_table(places or {}, entries)

    def _unshared_towns(
        self,
        places: dict[str, list[str]],
        council_names: dict[str, dict[str, bool]],
        key: Callable[[str], str],
        shortest: int,
    ) -> dict[str, tuple[str, ...]]:
        """Town (as ``key`` writes its normalised name) -> the councils it has belonged
        to, today's first; leaving out towns that are a council's own name (the main
        automaton reads those), keys shorter than ``shortest``, and towns that two current
        councils share (Gillingham: Medway or Dorset), which say nothing alone."""
        owners: dict[str, set[str]] = {}
        for gss, names in places.items():
            if gss not in self.councils:
                continue
            for raw in names:
                name = normalise_name(raw)
                if name in council_names or name in AMBIGUOUS:
                    continue
                for form in {name, _POSSESSIVE_FORM.sub(r"\1 ", name)}:
                    # "Shepherds Bush" is also written "Shepherd's Bush", which the
                    # text's preparation reads as "shepherd bush"
                    written = key(form)
                    if len(written) >= shortest:
                        owners.setdefault(written, set()).add(gss)
        table: dict[str, tuple[str, ...]] = {}
        for written, gss_set in owners.items():
            ordered = sorted(gss_set, key=lambda g: (not self.councils[g].current, g))
            if sum(self.councils[g].current for g in ordered) == 1:
                table[written] = tuple(ordered)
        return table

    def _regions_of(
        self,
        url: str | None,
        known: Iterable[str | None],
        matches: list[tuple[int, int, str, tuple[tuple[str, bool], ...]]],
        spans: list[tuple[int, int, str]],
        norm: str = "",
    ) -> frozenset[str]:
        """The regions an item is about, to read an ambiguous name by: those of the
        councils its site, outlet or source belong to, of a regional outlet or a regional
        section of the BBC or ITV, of the councils and towns its text names, and of the
        nations and the capital it names ("Stratford, east London")."""
        regions = {self.councils[g].region for g in known if g in self.councils}
        regions.update(_REGION_OF_CUE[m[1] or m[2]] for m in _REGION_CUE.finditer(norm))
        host, path = _host_path(url)
        host = host.removeprefix("www.")
        while host.count(".") >= 1:
            regions.update(self.regional.get(host, ()))
            for pattern, region in _BROADCAST_REGIONS.get(host, ()):
                if pattern.match(path.lower()):
                    regions.add(region)
            host = host.split(".", 1)[1]
        for _, _, name, gss_map in matches:
            if name in AMBIGUOUS:
                continue  # the name being read says nothing of its own region
            # a former council's region is its heirs' ("County Down": Northern Ireland)
            regions.update(self.councils[g].region for g, _ in gss_map if g in self.councils)
        regions.update(self.councils[g].region for _, _, g in spans)
        regions.discard("")
        return frozenset(regions)

    def _place_automaton(
        self, places: dict[str, list[str]], council_names: dict[str, dict[str, bool]]
    ) -> ahocorasick.Automaton | None:
        """The towns of the gazetteer that name one council, in one automaton."""
        automaton = ahocorasick.Automaton()
        for name, owners in self._unshared_towns(places, council_names, str, 3).items():
            automaton.add_word(f" {name} ", (name, owners))
        if len(automaton) == 0:
            return None
        automaton.make_automaton()
        return automaton

    def _host_place_table(
        self, places: dict[str, list[str]], council_names: dict[str, dict[str, bool]]
    ) -> dict[str, tuple[str, ...]]:
        """Town names written as a host would write them ("st abbs" -> "stabbs"), on the
        same terms as the place automaton."""
        return self._unshared_towns(
            places,
            council_names,
            lambda name: name.replace(" ", "").replace("&", "and"),
            _HOST_PLACE_MIN,
        )

    def _host_place(self, url: str | None, when: date | None) -> str | None:
        """The council of the town or village a site is named after: a label of the host
        that is a town's name or begins with one ("pittenweemharbourtrust", a parish
        council's "kelvedon-pc"). The longest name wins; none when two labels
        name different councils."""
        host = _host_path(url)[0]
        found: set[str] = set()
        for label in host.split("."):
            if label in _HOST_GENERIC:
                continue
            core = label.replace("-", "")
            for size in range(len(core), _HOST_PLACE_MIN - 1, -1):
                owners = self.host_places.get(core[:size])
                if owners:
                    gss = self._place_owner(owners, when)
                    if gss:
                        found.add(gss)
                    break
        return found.pop() if len(found) == 1 else None

    def _place_owner(self, owners: tuple[str, ...], when: date | None) -> str | None:
        """The council a town belonged to on the item's date (Brackley: South
        Northamptonshire before April 2021, West Northamptonshire since); today's when
        the item is undated or none of the listed councils existed then; none when two
        did."""
        if when is None:
            return owners[0]
        valid = [g for g in owners if self._valid(g, when)]
        if len(valid) == 1:
            return valid[0]
        return owners[0] if not valid else None

    def _domains(self) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
        """Council sites: the host of one council's homepage or committee system, and the
        hosts that councils sharing a staff share too ("adur-worthing.gov.uk")."""
        hosts: dict[str, set[str]] = {}
        for c in self.councils.values():
            if not (c.current and c.principal):
                continue
            for url in (c.homepage, c.committee_url):
                host = (urlsplit(url).hostname or "") if url else ""
                host = host.removeprefix("www.")
                # "leeds.gov.uk", "fermanaghomagh.com"; never a bare "gov.uk"
                if host.count(".") >= 1 and not host.startswith("gov."):
                    hosts.setdefault(host, set()).add(c.gss)
            for host in c.sites:
                hosts.setdefault(host, set()).add(c.gss)
        for host, owners in list(hosts.items()):
            # Welsh councils moved to .gov.wales / .llyw.cymru; older pages (and some
            # services) are still at <name>.gov.uk ("carmarthenshire.gov.uk")
            if host.endswith((".gov.wales", ".llyw.cymru")) and host.count(".") == 2:
                hosts.setdefault(host.split(".", 1)[0] + ".gov.uk", set()).update(owners)
        out = {host: next(iter(gss)) for host, gss in hosts.items() if len(gss) == 1}
        shared = {host: tuple(sorted(gss)) for host, gss in hosts.items() if len(gss) > 1}
        # a former council's own hosts ("democracy.barrowbc.gov.uk"), unless it is one of
        # a current council's ("edemocracy.northyorks.gov.uk" is North Yorkshire's today)
        former_hosts: dict[str, set[str]] = {}
        for c in self.councils.values():
            if c.principal and not c.current:
                for host in c.sites:
                    former_hosts.setdefault(host, set()).add(c.gss)
        current = {**out, **shared}
        for host, owners in former_hosts.items():
            if len(owners) == 1 and self._by_host(f"https://{host}/", current, 1) is None:
                out[host] = next(iter(owners))
        # former councils have no homepage in the register; their sites lived at
        # <name>.gov.uk (archives and old committee systems still do), never shadowing a
        # current council's domain
        for c in self.councils.values():
            if c.principal and not c.current and c.nation in ("England", "Wales"):
                slug = re.sub(r"[^a-z0-9]+", "", c.short_name.lower())
                if len(slug) >= 4 and f"{slug}.gov.uk" not in shared:
                    out.setdefault(f"{slug}.gov.uk", c.gss)
        return out, shared

    # -- evidence -------------------------------------------------------------------------
    @staticmethod
    def _by_host(url: str | None, table: Mapping[str, _T], min_dots: int) -> _T | None:
        """The council of the URL's host or of its nearest parent domain in ``table``
        (``democracy.leeds.gov.uk`` -> ``leeds.gov.uk``), never above ``min_dots`` dots."""
        host = _host_path(url)[0]
        host = host.removeprefix("www.")
        while host.count(".") >= min_dots:
            if host in table:
                return table[host]
            host = host.split(".", 1)[1]
        return None

    def _url_council(self, url: str | None) -> str | None:
        return self._by_host(url, self.domains, 1)

    def _site_of_the_day(self, gss: str | None, when: date | None) -> str | None:
        """A unitary council that continued a county council kept its site
        ("northyorks.gov.uk", "somerset.gov.uk", "buckinghamshire.gov.uk"): a page dated
        before the change is the county council's."""
        if gss is None or when is None or self._valid(gss, when):
            return gss
        counties = [
            p
            for p in self.councils[gss].predecessors
            if p in self.councils and self.councils[p].type == "CTY" and self._valid(p, when)
        ]
        return counties[0] if len(counties) == 1 else gss

    def _shared_site(self, url: str | None) -> tuple[str, ...]:
        return self._by_host(url, self.shared_sites, 1) or ()

    def _outlet_council(self, url: str | None) -> str | None:
        return self._by_host(url, self.outlets, 1)

    def _outlet_of_the_day(self, url: str | None, when: date | None) -> str | None:
        """The council of a local outlet's patch on ``when``: a paper of a district since
        abolished speaks of its heir ("harrogateadvertiser.co.uk" in 2024: North
        Yorkshire), and of the council of the day before that; undated, of today's."""
        gss = self._outlet_council(url)
        if gss is None:
            return None
        heirs = self._heirs(gss, when or date.max)
        return heirs.pop() if len(heirs) == 1 else None

    def _matches(
        self, text: str, commas: Container[tuple[str, str]] = frozenset()
    ) -> list[tuple[int, int, str, tuple[tuple[str, bool], ...]]]:
        """Longest non-overlapping name matches: (start, end, name, ((gss, strong)...)) with
        offsets into the space-padded normalised text. Where two names cross, one read
        across a comma loses ("Westminster, City of London": not "Westminster City")."""
        found = []
        for last, (name, gss_map) in self.automaton.iter(text):
            # the pattern is " name ": [start, end) covers both spaces
            end = last + 1
            found.append((end - len(name) - 2, end, name, gss_map))
        if len(found) > 1:
            found.sort()
            if _crossing(found):
                found = [
                    m for m in found if not any(pair in commas for pair in pairwise(m[2].split()))
                ]
        found.sort(key=lambda m: (-(m[1] - m[0]), m[0]))
        taken = bytearray(len(text) + 1)  # characters a longer name has claimed
        kept = []
        for start, end, name, gss_map in found:
            # [start, end - 1): the name with its leading space; neighbours share a space
            if any(taken[start : end - 1]):
                continue
            taken[start : end - 1] = b"\x01" * (end - 1 - start)
            kept.append((start, end, name, gss_map))
        return sorted(kept)

    def _joint_names_split(
        self, norm: str, matches: list[tuple[int, int, str, tuple[tuple[str, bool], ...]]]
    ) -> list[tuple[int, int, str, tuple[tuple[str, bool], ...]]]:
        """A combined authority named after two councils, followed by "councils" ("York
        and North Yorkshire councils"), is those two councils."""
        out = []
        for start, end, name, gss_map in matches:
            first, sep, second = name.partition(" and ")
            if (
                sep
                and norm.startswith(" councils ", end - 1)
                and not any(self.councils[g].principal for g, _ in gss_map if g in self.councils)
            ):
                one = self.automaton.get(f" {first} ", None)
                two = self.automaton.get(f" {second} ", None)
                if one is not None and two is not None:
                    out.append((start, start + len(first) + 2, *one))
                    out.append((end - len(second) - 2, end, *two))
                    continue
            out.append((start, end, name, gss_map))
        return out

    def _bare_mention_ok(
        self,
        cased: str,
        start: int,
        end: int,
        sport: bool,
        cued: bool = False,
        commas: Container[tuple[str, str]] = frozenset(),
    ) -> bool:
        """A bare place name counts only when it looks like the place: capitalised, not a
        person, not a club, not abroad. ``commas`` holds the word pairs a comma parts
        ("Bury, Rochdale": two places, not one name)."""
        word = cased[start + 1 : end - 1]
        if not (word[4:5] if word[:4].lower() == "the " else word[:1]).isupper():
            return False  # but "in the Vale of Glamorgan": "the" is part of the name
        before = cased[max(0, start - 60) : start + 1].split()  # bounded: long minutes
        after = cased[end - 1 : end + 100].split()
        prev = before[-1].lower().strip("'") if before else ""
        nxt = after[0] if after else ""
        first = word.split(" ", 1)[0].lower()
        if (prev in TITLES or prev in FIRST_NAMES) and (prev, first) not in commas:
            return False  # "Dean Redbridge", not "Forest of Dean, Redbridge and ..."
        if (
            before
            and before[-1][:1].isupper()
            and before[-1].isalpha()
            and self._surname(before, after)
        ):
            return False  # "Headteacher Gareth Lincoln", "Tamsin Derby, 34,"
        if prev == "of" and _TITLE_OF.search(cased[max(0, start - 20) : start + 1]):
            return False
        if prev == "river" or (
            prev == "the"
            and word.lower() in RIVERS
            and nxt.lower().rstrip(".,;:") not in _COUNCIL_AREA_AFTER
        ):
            return False  # the River Devon, the River Eden, "flooding along the Rother"
        if prev == "for" and len(before) > 1 and before[-2].lower() in _HOLDER_FOR:
            return False
        if prev in ("hmp", "hmyoi", "hms"):
            return False  # HMP Durham, a prison; HMS Sheffield, a ship
        if (
            word == "Rugby"
            and before
            and before[-1][:1].isupper()
            and (before[-1].lower(), "rugby") not in commas
            and (
                before[-1].lower() in self.town_owners
                or self.automaton.get(f" {before[-1].lower()} ", None) is not None
            )
        ):
            return False  # Bath Rugby, Gloucester Rugby: a town's name before it, a club
        last = word.rsplit(" ", 1)[-1].lower()
        if self._names_another_body(after) and (last, nxt.lower()) not in commas:
            return False
        if (
            word.lower() in VERBISH
            and nxt.lower() in _VERB_OBJECTS
            and (last, nxt.lower()) not in commas
        ):
            return False  # "Reading the report", "Bury the past"
        if prev == "new" or (before and before[-1] == "New"):
            return False
        if nxt.lower() in SPORT_SUFFIXES and (last, nxt.lower()) not in commas:
            return False  # "Nottingham Forest", not "Cotswold, Forest of Dean and ..."
        if nxt.lower().rstrip(".,;:") in _NOT_THE_PLACE_BEFORE.get(word.lower(), ()):
            return False  # "Hackney Carriage licences", "Brent crude"
        if nxt[:1].islower() and nxt.rstrip(".,;:") in _PRODUCTS_AFTER:
            return False  # "Worcester sauce"
        if (
            nxt.rstrip(".,;:") == "Town"
            and len(after) > 1
            and not after[1][:1].isupper()
            and after[1].lower().rstrip(".,;:") not in _TOWN_THINGS
        ):
            return False  # "Ipswich Town were promoted", "Luton Town fans": a club
        if (
            nxt.rstrip(".,;:") == "County"
            and (
                len(after) < 2
                or not after[1][:1].isupper()
                or after[1].lower() in ("fc", "football", "women", "ladies")
            )
            and (
                self.automaton.get(f" {word.lower()} county council ", None) is None
                or (len(after) > 1 and after[1].lower().rstrip(".,;:") in _CLUB_WORDS)
            )
        ):
            return False  # "Derby County", "Stockport County": no county of that name;
            # "Notts County were beaten": a club whatever its name (but "Bangor, County
            # Down", "Notts County council")
        if nxt[:1].isupper() and nxt.lower().rstrip(".,;:") in STREET_SUFFIXES:
            return False
        if (
            sport
            and nxt.lower() in ("city", "town", "county")
            and (len(after) < 2 or after[1].lower() != "council")
        ):
            return False
        if sport and word.lower().endswith((" city", " town", " county")):
            return False  # "Leicester City" read as one name, in a report on sport
        if (word.endswith((" City", " Town")) and nxt.lower().rstrip(".,;:") in _CLUB_WORDS) or (
            nxt.rstrip(".,;:") == "City"
            and len(after) > 1
            and after[1].lower().rstrip(".,;:") in _CLUB_WORDS
        ):
            return False  # "Salford City were promoted", "Bradford City fans"
        if (
            not cued
            and word.lower() in PERSONISH
            and nxt[:1].isupper()
            and not word.isupper()
            and nxt.lower().rstrip(".,;:").removesuffix("'s").removesuffix("’s")
            not in HEADLINE_NOUNS
            and nxt.lower().rstrip(".,;:-") not in _PARTIES
            and (word.lower() in FIRST_NAME_PLACES or not _title_case(after))
            and (word.lower(), nxt.lower().rstrip(".,;:")) not in commas
        ):
            return False  # "Angus Robertson", "Bury St Edmunds"
        return not ABROAD.match(cased[end - 1 : end + 40])

    @staticmethod
    def _surname(before: list[str], after: list[str]) -> bool:
        """After a capitalised word that is no known first name, is the place a person's
        surname? Yes when a title or a person's role comes before that word ("Councillor
        Aphra Hastings", "campaigner Nkechi Bolton") or an age or a role after the place
        ("Tamsin Derby, 34, appeared", "Amelia Preston, a spokeswoman for")."""
        if (
            len(before) > 1
            and before[-2].lower() in _TITLES_AND_ROLES
            and after
            and after[0][:1].islower()  # running text ("... said"), not a headline's
        ):
            return True
        if (
            after
            and after[0].isdigit()
            and len(after[0]) <= 2
            and (len(after) < 2 or after[1][:1].islower() or after[1][:1] == "(")
        ):
            return True  # an age (the comma is a space here), not "Hit Hastings 12 Months"
        return (
            len(after) > 1 and after[0].lower() in ("a", "an") and after[1].lower() in _PERSON_ROLES
        )

    @staticmethod
    def _names_another_body(after: list[str]) -> bool:
        """Do the capitalised words after a place make it another body's name ("Kent
        Police", "Leeds Beckett University", "Devon and Cornwall Police", "the Liverpool
        Echo")?"""
        if after and after[0][:1].isupper() and after[0].lower() in NEXT_WORD_BODIES:
            return True
        counted = 0
        for i, word in enumerate(after[:6]):
            low = word.lower()
            if low in ("and", "&", "of"):
                continue
            counted += 1
            if not word[:1].isupper():
                # "Kent police said", "Wandsworth prison", "the Hampshire and Isle of
                # Wight fire service"
                return low in ("police", "prison") or (
                    low == "fire" and after[i + 1 : i + 2] != [] and after[i + 1] in _FIRE_NEXT
                )
            if counted > 3 or (low == "council" and after[i - 1 : i] != ["Trades"]):
                return False  # but "Leeds Trades Council", a body of trade unions
            if low in ORGANISATION_WORDS:
                # "Coventry and Rugby councils": Rugby the council, not "Bath Rugby"
                return after[i + 1 : i + 2] not in (["councils"], ["council"])
        return False

    def _resolve(
        self,
        name: str,
        gss_map: tuple[tuple[str, bool], ...],
        context: str,
        when: date | None,
        regions: frozenset[str] = frozenset(),
        listed: bool = False,
    ) -> list[tuple[str, bool]]:
        """The council(s) a matched name means, by context cues, by the region the item
        is about and by date. In a list of councils ("Newport, Worthing and Kent
        councils") a shared name is the council of that name, wherever the others are."""
        if name in AMBIGUOUS:
            options = AMBIGUOUS[name]
            for gss, cues in options:
                if not listed and any(cue in context for cue in cues):
                    return [(self._of_the_day(gss, when), False)]
            in_region = [g for g, _ in options if self.councils[g].region in regions and not listed]
            chosen = in_region[0] if len(in_region) == 1 else options[-1][0]
            return [(self._of_the_day(chosen, when), False)]
        if name in self.shared_towns:
            in_region = [g for g in self.shared_towns[name] if self.councils[g].region in regions]
            return [(in_region[0], False)] if len(in_region) == 1 else []
        live = [(g, s) for g, s in gss_map if self._valid(g, when)]
        if not live and not any(strong for _, strong in gss_map):
            # the bare name of a council abolished by then is the town, in the council of
            # the day ("Kettering" in 2022: North Northamptonshire)
            owners = self.town_owners.get(name, ())
            town = [g for g in owners if self._valid(g, when)]
            if len(town) == 1:
                return [(town[0], False)]
            if not owners:
                # not a town but an area ("Fermanagh" in 2020, "Shepway" in 2022): the one
                # council that then covered all of it, if there is one
                heirs = {h for g, _ in gss_map for h in self._heirs(g, when)}
                if len(heirs) == 1:
                    return [(heirs.pop(), False)]
        if not live:
            live = list(gss_map)
        current = [(g, s) for g, s in live if self.councils[g].current]
        if len(live) > 1 and when is None and current:
            live = current
        return live

    def _of_the_day(self, gss: str, when: date | None) -> str:
        """The council itself, or its one heir on ``when`` ("Richmond, North Yorkshire"
        in 2024: Richmondshire's area, now North Yorkshire Council's)."""
        heirs = self._heirs(gss, when)
        return heirs.pop() if len(heirs) == 1 else gss

    def heirs(self, gss: str, when: date | None) -> set[str]:
        """The councils that had taken over ``gss`` (or ``gss`` itself) on ``when``."""
        return self._heirs(gss, when) if gss in self.councils else set()

    def _heirs(self, gss: str, when: date | None, depth: int = 0) -> set[str]:
        """The councils of ``when`` that took over ``gss``, following successors of
        successors (a renamed council abolished in its turn)."""
        if self._valid(gss, when):
            return {gss}
        if depth > 4:
            return set()
        return {
            h
            for s in self.councils[gss].successors
            if s in self.councils
            for h in self._heirs(s, when, depth + 1)
        }

    def _valid(self, gss: str, when: date | None) -> bool:
        c = self.councils[gss]
        if when is None:
            return True
        return (c.start_date is None or c.start_date <= when) and (
            c.end_date is None or when < c.end_date
        )

    # -- public -------------------------------------------------------------------------
    def link(
        self,
        text: str,
        *,
        title: str | None = None,
        when: date | None = None,
        url: str | None = None,
        source_council: str | None = None,
    ) -> list[Link]:
        if when is None:
            when = _url_date(url)  # "/2018/05/12/...": the day an undated page was posted
        candidates: dict[str, _Candidate] = {}

        def add(
            gss: str,
            confidence: float,
            lede: bool,
            method: str,
            compared: bool = False,
            at: int = -1,
        ) -> None:
            if gss not in self.councils or not self.councils[gss].principal:
                return
            cand = candidates.setdefault(gss, _Candidate(gss))
            if at >= 0 and not compared and (cand.first < 0 or at < cand.first):
                cand.first = at
            cand.best = max(cand.best, confidence)
            cand.mentions += 1
            cand.plain += not compared
            cand.in_lede = cand.in_lede or lede
            cand.methods.add(method)

        if source_council:
            add(source_council, 1.0, True, "source")
        url_gss = self._site_of_the_day(self._url_council(url), when)
        if url_gss:
            add(url_gss, URL_CONFIDENCE, True, "url")
        shared_site = self._shared_site(url) if url and not url_gss else ()
        url_words, url_places = (
            self._url_words(url, when)
            if url and not url_gss and not shared_site
            else (set(), set())
        )
        body = f"{title}. {text}" if title and title.strip() not in text else text
        cased = " " + _prepare(body) + " "
        norm = cased.lower()
        lede_end = self._lede_end(body, cased)
        # "Bury, Rochdale and Oldham": a comma parts a place that reads as a first name
        # from the capitalised word after it ("Forest of Dean, Redbridge")
        commas = _Commas(body)
        matches = self._matches(norm, commas)
        if " councils " in norm:
            matches = self._joint_names_split(norm, matches)
        # a text naming one club ("Leeds United") is about sport, so "Leicester City" is
        # a club too
        words = set(norm.split())
        named = [(s, e, "") for s, e, _, _ in matches]
        spans = [
            sp for sp in self._place_spans(norm, when) if not self._inside_longer(named, *sp[:2])
        ]
        # a place shown abroad once ("Perth, Western Australia" in the headline) is abroad
        # all through the item ("the City of Perth council")
        abroad = (
            {
                norm[start + 1 : end - 1]
                for start, end in [(m[0], m[1]) for m in matches] + [(s[0], s[1]) for s in spans]
                if ABROAD.match(cased[end - 1 : end + 40])
            }
            if not _ABROAD_LAST_WORDS.isdisjoint(words)
            else set()
        )
        if abroad:
            spans = [sp for sp in spans if norm[sp[0] + 1 : sp[1] - 1] not in abroad]
        if not _CAPITALS.isdisjoint(words):
            spans = [
                sp
                for sp in spans
                if not (
                    norm[sp[0] + 1 : sp[1] - 1].split(" ", 1)[0] in _CAPITALS
                    and _GOVERNMENT_IN.search(cased, max(0, sp[0] - 30), sp[0] + 1)
                )
            ]  # "ministers in Cardiff Bay"
        for place, trade in _COMPANY_WHEN.items():
            if place in words and not trade.isdisjoint(words):
                spans = [sp for sp in spans if norm[sp[0] + 1 : sp[1] - 1] != place]
                matches = [m for m in matches if m[2] != place]
        health_boards = _named_after_nhs(cased, matches, spans) if " NHS " in cased else set()
        if health_boards:
            spans = [sp for sp in spans if sp[0] not in health_boards]
            matches = [m for m in matches if m[0] not in health_boards]
        cricket = not CRICKET_WORDS.isdisjoint(words)
        sport = (
            cricket
            or _sporty(norm, words)
            or any(
                (suffix := _sport_suffix_after(norm, end))
                and not (spans and self._inside_longer(spans, start, end))  # Leicester Forest East
                and (name.rsplit(" ", 1)[-1], suffix) not in commas
                for start, end, name, _ in matches
            )
            or any(
                norm[sp[1] : sp[1] + 16].split(" ", 1)[0] in SPORT_SUFFIXES  # "Hull FC"
                and not self._inside_longer(named, sp[0], sp[1])
                for sp in spans
            )
        )
        # a sports report that never speaks of a council: its places are its teams'
        # ("Leeds beat Everton in the league")
        sport_only = sport and _COUNCIL_TALK.isdisjoint(words)
        regions = (
            self._regions_of(
                url,
                (source_council, url_gss, self._outlet_council(url)),
                matches,
                spans,
                norm,
            )
            if any(m[2] in AMBIGUOUS or m[2] in self.shared_towns for m in matches)
            else frozenset()
        )
        listed, peers, locators = self._lists_and_locators(
            commas, cased, norm, matches, spans, when
        )
        if locators and spans:
            spans = [sp for sp in spans if sp[0] not in locators]
        county_hall = " hall " in norm
        some_council_of: set[str] = set()  # "a Surrey council": one of Surrey's councils
        compared_until = -1  # end of the last mention introduced as a comparison
        listed_on = _list_continuations(cased, matches)
        shared_towns: list[tuple[str, bool]] = []  # towns two councils share, read by region
        welsh = " cyngor " in norm
        combined = " combined " in norm
        for i, (start, end, name, gss_map) in enumerate(matches):
            if spans and (
                self._inside_longer(spans, start, end) or self._cut_by_place(spans, start, end)
            ):
                continue
            if name in _CAPITALS and _GOVERNMENT_IN.search(cased, max(0, start - 30), start + 1):
                continue  # "the Welsh Government in Cardiff", "MSPs in Edinburgh"
            if (
                name in _SEATS_OF_GOVERNMENT
                and norm[end : end + 12].split(" ", 1)[0] not in _COUNCIL_AREA_AFTER
                and not _COUNCIL_AREA_BEFORE.search(norm, max(0, start - 24), start + 1)
                and not _joined_to_another(cased, matches, i)
            ):
                continue  # "MPs at Westminster"; but "Westminster and Camden", "Westminster
                # residents"
            if start in locators:
                continue  # "Ely, Cambridgeshire": where Ely is, not the county council
            if (combined and _COMBINED_AFTER.match(norm, end - 1)) or (
                norm.endswith(" greater", 0, start)
                and any(g in self.councils and self._county_like(g) for g, _ in gss_map)
            ):
                # "Lancashire Combined County Authority", "Greater Lincolnshire" (but
                # "Greater Norwich" is the city and its neighbours)
                continue
            if name in _NI_COUNTIES and _COUNTY_BEFORE.search(norm, max(0, start - 8), start + 1):
                continue  # "Bangor, County Down": a county of no council, split among several
            if (
                when
                and name.endswith(" council")
                and not any(self._valid(g, when) for g, _ in gss_map)
                and (
                    norm.startswith(" tax ", end - 1)
                    or (
                        all(normalise_name(self.councils[g].name) != name for g, _ in gss_map)
                        and not _FORMERLY.search(norm, max(0, start - 20), start + 1)
                    )
                )
            ):
                # "Kettering council tax" in 2024: the town's bill, set by the council of
                # the day, not the abolished council's; "Bournemouth council" in 2024, a
                # short form of no official name, is the town's council of the day
                # ("the former Bournemouth council", or its name in full, is the old one)
                gss_map = tuple((g, False) for g, _ in gss_map)
            if welsh and _CYNGOR_BEFORE.search(norm, max(0, start - 30), start + 1):
                gss_map = tuple((g, True) for g, _ in gss_map)
            compared = (
                bool(_COMPARED_BEFORE.search(cased[max(0, start - 30) : start + 1]))
                or cased.startswith(" style ", end - 1)  # "Thurrock-style losses"
                or (
                    # "another Woking", "the next Thurrock" (but "the next Woking council
                    # meeting" is Woking's own)
                    bool(_ANOTHER_BEFORE.search(cased, max(0, start - 12), start + 1))
                    and not norm.startswith(_OWN_THINGS_AFTER, end - 1)
                )
                or (
                    compared_until >= 0
                    and start - compared_until < 8
                    and cased[compared_until - 1 : start + 1].strip() in _LIST_JOIN
                    and start in listed_on
                )
            )
            if compared:
                compared_until = end
            context = norm[max(0, start - 80) : end + 80]
            cued = start in listed or (
                name in AMBIGUOUS
                and any(cue in context for _, cues in AMBIGUOUS[name] for cue in cues)
            )
            shared = name in self.shared_towns
            if name.startswith("city of ") and self._names_another_body(
                cased[end - 1 : end + 100].split()
            ):
                continue  # "City of London Police", "City of Bristol College"
            if name in abroad and _is_strong(name):
                continue  # "Birmingham City Council in Alabama"
            for gss, strong in self._resolve(
                name, gss_map, context, when, regions, listed=start in listed
            ):
                if not strong and (
                    name in abroad
                    or cricket
                    or sport_only
                    or not self._bare_mention_ok(cased, start, end, sport, cued, commas)
                ):
                    continue
                if shared:
                    shared_towns.append((gss, start < lede_end))  # a town: the last resort
                    continue
                if (
                    gss in self.upper_tier
                    and start not in listed
                    and _some_council_in(cased, start, end)
                ) or (
                    gss in self.two_tier and _PART_OF.search(cased, max(0, start - 16), start + 1)
                ):
                    some_council_of.add(gss)
                    continue
                city_council = not strong and norm.startswith(_CITY_COUNCIL_AFTER, end - 1)
                if city_council and name not in _PARISH_CITIES:
                    continue  # no council of the register bears the name: one abroad
                if city_council or (not strong and _LOCAL_COUNCIL_AFTER.match(norm, end - 1)):
                    # "Durham parish council", "Truro City Council": the place of a local
                    # council
                    add(gss, PLACE_CONFIDENCE, start < lede_end, "place")
                    continue
                if not strong and county_hall:
                    gss = self._county_at_hall(gss, norm, start, end)  # "County Hall in Maidstone"
                confidence = (
                    STRONG_CONFIDENCE
                    if strong
                    else TOWN_COUNCIL_CONFIDENCE
                    if start in listed or name.endswith(" council")
                    else WEAK_CONFIDENCE
                )
                add(gss, confidence, start < lede_end, "text", compared, at=start)
        for start, end, gss in spans:
            # "Brighton council", "Bath council": a town named as its council's seat
            if (
                (
                    _TOWN_COUNCIL.match(norm, end - 1)
                    and not norm.startswith(_CITY_COUNCIL_AFTER, end - 1)
                )
                or start in listed
            ) and self._bare_mention_ok(cased, start, end, sport, cued=True):
                add(gss, TOWN_COUNCIL_CONFIDENCE, start < lede_end, "text", at=start)
        if shared_site:
            # a site two councils share: it is about the one(s) its words name, or both
            for site_gss in [g for g in shared_site if g in candidates] or shared_site:
                add(site_gss, URL_CONFIDENCE, True, "url")
        # "The county council has approved ...", on a page whose address or outlet
        # names a district: that district's county council
        county_talk = " the county council" in norm and not _NAMED_COUNTY_COUNCIL.search(norm)

        def county_of(gss: str) -> str:
            parent = self.councils[gss].parent_gss
            if county_talk and parent in self.councils and self._valid(parent, when):
                return parent
            return gss

        if url_words and not any(
            c.in_lede and c.best >= WEAK_CONFIDENCE for c in candidates.values()
        ):
            # a local paper's address often names its patch ("...-bradford-council-...")
            for gss in url_words - some_council_of:  # the text says which it is not
                if self._valid(gss, when) or when is None:
                    add(county_of(gss), URL_WORDS_CONFIDENCE, True, "url")
        if not any(c.best > WEAK_CONFIDENCE for c in candidates.values()):
            # towns count beside bare names ("flooding in Hull and York"), not beside a
            # council named as one, whose story it is
            if spans and not sport_only:
                self._add_places(spans, norm, cased, lede_end, sport, add, peers, commas)
            for gss, lede in shared_towns:
                add(gss, PLACE_CONFIDENCE, lede, "place")
        national = bool(_NATIONAL_SECTION.search(_host_path(url)[1]))
        if not candidates and not national:
            # a local paper's address names the town ("/news/halesworth-library-reopens-...")
            for gss in url_places:
                add(county_of(gss), URL_PLACE_CONFIDENCE, True, "place")
        if not candidates and not _COUNCIL_TALK.isdisjoint(words):
            # "Woking MP Will Forster called for help for the council": nothing else names
            # it, and the council spoken of is most likely the one of the MP's seat
            seat = self._seat_council(norm, matches, spans, when)
            if seat:
                add(seat, PLACE_CONFIDENCE, True, "place")
        if not candidates and not national:
            # a local outlet's own patch, only when nothing at all names a council (its
            # syndicated national pages are about somewhere else)
            outlet = self._outlet_of_the_day(url, when)
            if outlet:
                add(county_of(outlet), OUTLET_CONFIDENCE, True, "outlet")
        if not candidates and not national and url_gss is None:
            # a village's or a local group's own site, named after its place
            host_place = self._host_place(url, when)
            if host_place:
                add(host_place, HOST_PLACE_CONFIDENCE, True, "place")
        opening = norm[:lede_end] + " "  # what the item is about: its service, if any
        if (
            candidates
            and any(self.councils[g].parent_gss in self.upper_tier for g in candidates)
            and _county_service_item(opening, set(opening.split()))
        ):
            self._county_services(candidates, when, add)
        self._first_named_leads(candidates, body)
        local = self._local_council_item(url, norm)
        own_site = (
            {source_council}
            if source_council
            else {url_gss}
            if url_gss
            else {g for g in shared_site if g in candidates}
        )
        return self._roles(candidates, when, own_site=own_site, local=local)

    def _seat_council(
        self,
        norm: str,
        matches: list[tuple[int, int, str, tuple[tuple[str, bool], ...]]],
        spans: list[tuple[int, int, str]],
        when: date | None,
    ) -> str | None:
        """The one council whose place names an MP's (MSP's, MS's, MLA's) seat: "Woking
        MP", "the MP for Spelthorne" (None when no seat, or seats of several councils)."""
        found: set[str] = set()
        named = [(s, e, [g for g, _ in m]) for s, e, _, m in matches]
        for start, end, owners in named + [(s, e, [g]) for s, e, g in spans]:
            if not (
                norm.startswith(_SEAT_AFTER, end - 1) or norm.endswith(_SEAT_BEFORE, 0, start + 1)
            ):
                continue
            valid = [g for g in owners if when is None or self._valid(g, when)]
            if len(valid) != 1:
                return None
            found.add(valid[0])
        return found.pop() if len(found) == 1 else None

    def _county_services(
        self,
        candidates: dict[str, _Candidate],
        when: date | None,
        add: Callable[..., None],
    ) -> None:
        """In a two-tier area, an item that reaches its council only through a town's bare
        name, about a service the county council runs (libraries, roads, schools, social
        care, buses, recycling centres), is the county council of the item's day; the
        district is mentioned. Nothing
        changes when a council is named as one, or the district's services are spoken of
        too (bins, planning, housing)."""
        if any(
            c.best > WEAK_CONFIDENCE or not c.methods <= {"text", "place"}
            for c in candidates.values()
        ):
            return
        for cand in list(candidates.values()):
            parent = self.councils[cand.gss].parent_gss
            if not parent or parent not in self.councils:
                continue
            if when is not None and not self._valid(parent, when):
                continue
            if when is None and not self.councils[parent].current:
                continue
            add(parent, cand.best, cand.in_lede, "place", at=cand.first)
            cand.served = True

    @staticmethod
    def _first_named_leads(candidates: dict[str, _Candidate], body: str) -> None:
        """When the headline and first sentence name no council, the sentence that first
        names one in full leads: "A leisure centre in Ilfracombe will close. North Devon
        Council said ... Devon County Council is not involved" is North Devon's story."""
        if any(c.in_lede and c.best >= WEAK_CONFIDENCE for c in candidates.values()):
            return
        named = [
            c for c in candidates.values() if c.first >= 0 and c.best >= TOWN_COUNCIL_CONFIDENCE
        ]
        if len(named) < 2:
            return
        first = min(c.first for c in named)
        end = -1
        for boundary in _SENTENCE_END.finditer(body, 0, 3000):
            at = _offset(body, boundary.start())
            if at > first:
                end = at
                break
        if end < 0:
            if len(body) > 3000:
                return  # too far down a long document to say
            end = _BEYOND  # the last sentence
        for c in named:
            if c.first < end:
                c.in_lede = True

    @staticmethod
    def _local_council_item(url: str | None, norm: str) -> bool:
        """Is the item a town or parish council's own business: published on its site or
        saying "the town council", and never speaking of a leader or a cabinet?"""
        host = _host_path(url)[0]
        local = any(
            _LOCAL_COUNCIL_HOST.search(label.replace("-", "")) for label in host.split(".")[:-1]
        ) or any(w in norm for w in _LOCAL_COUNCIL_WORDS)
        return local and not any(w in norm for w in _PRINCIPAL_WORDS)

    def _place_spans(self, norm: str, when: date | None) -> list[tuple[int, int, str]]:
        """Longest non-overlapping town names: (start, end, gss) in the padded text."""
        if self.places is None:
            return []
        found = []
        for last, (name, owners) in self.places.iter(norm):
            found.append((last + 1 - len(name) - 2, last + 1, owners))
        found.sort(key=lambda m: (-(m[1] - m[0]), m[0]))
        claimed = bytearray(len(norm) + 1)
        taken: list[tuple[int, int, str]] = []
        for start, end, owners in found:
            if any(claimed[start : end - 1]):
                continue
            gss = self._place_owner(owners, when)
            if gss is not None:
                claimed[start : end - 1] = b"\x01" * (end - 1 - start)
                taken.append((start, end, gss))
        return sorted(taken)

    @staticmethod
    def _inside_longer(spans: list[tuple[int, int, str]], start: int, end: int) -> bool:
        """Is [start, end) part of a longer name in ``spans``? A council's bare name inside
        a longer town name ("High Wycombe", "Sutton-in-Ashfield", "Bury St Edmunds") is the
        town; a town inside a council's name ("Newry and Mourne", "Somerset West and
        Taunton") is that council."""
        # spans are sorted and do not overlap: only the last one starting at or before
        # ``start`` can hold the name
        i = bisect_right(spans, (start, _BEYOND)) - 1
        if i < 0:
            return False
        s, e, _ = spans[i]
        return end <= e and e - s > end - start

    def _lists_and_locators(
        self,
        commas: Container[tuple[str, str]],
        cased: str,
        norm: str,
        matches: list[tuple[int, int, str, tuple[tuple[str, bool], ...]]],
        spans: list[tuple[int, int, str]],
        when: date | None,
    ) -> tuple[set[int], set[int], set[int]]:
        """Starts of names that are members of a list of councils ("Reading, Wokingham
        and Bracknell councils": each a council, whatever it looks like alone), of towns
        listed with councils' bare names ("Hull, York and Leeds"), and of
        county names that only locate the town before them ("Ely, Cambridgeshire",
        "Richmond, North Yorkshire": not that county's council)."""
        listed: set[int] = set()
        peers: set[int] = set()
        locators: set[int] = set()
        if len(matches) + len(spans) < 2:
            return listed, peers, locators  # one name alone is neither
        tokens: list[tuple[int, int, str, tuple[tuple[str, bool], ...]]] = sorted(
            [
                *(m for m in matches if not self._inside_longer(spans, m[0], m[1])),
                *((s, e, "", ((g, False),)) for s, e, g in spans),
            ]
        )  # a name inside a longer town's ("Stratford" in "Stratford-upon-Avon") is none
        for k, ((p_start, p_end, p_name, p_map), (start, end, name, gss_map)) in enumerate(
            zip(tokens, tokens[1:], strict=False)
        ):
            located_in = cased[p_end - 1 : start + 1].lower() == " in "
            if p_end - 1 != start and not located_in:
                continue  # only a name right after another can locate it (rare: cheap)
            if k + 2 < len(tokens) and tokens[k + 2][0] == end - 1:
                continue  # a list goes on: "Croydon, Cumberland, Eastbourne and Woking"
            councils = self._token_councils(name, gss_map, when)
            p_councils = self._token_councils(p_name, p_map, when)
            if not councils or not p_councils:
                continue
            if cased[end - 1 : end + 4].lower() == " and " or cased.startswith(" & ", end - 1):
                continue  # a list goes on: "Reading, Wokingham and Bracknell"
            around = p_councils | {
                self.councils[g].parent_gss or "" for g in p_councils if g in self.councils
            }
            if not (councils & around or any(self._county_like(g) for g in councils)):
                continue
            if located_in:
                # "Newport in Shropshire": a county after a town in it (but "councils
                # in Devon" is no town)
                if not councils & p_councils and any(self._county_like(g) for g in councils):
                    locators.add(start)
                continue
            last = cased[p_start + 1 : p_end - 1].split()[-1].lower()
            first = cased[start + 1 : end - 1].split()[0].lower()
            if (last, first) in commas:
                locators.add(start)
        # what a list's end may say, looked for only when the text has it at all
        plural = " councils " in norm
        regional = " mayor" in norm or " combined " in norm
        group: list[tuple[int, bool, bool]] = []  # (start, a council's name?, in full?)
        joined = False  # an "and", "or" or "&" joins the group (a space alone may not)

        def close() -> None:
            if len(group) > 1 and any(named for _, named, _ in group):
                peers.update(start for start, named, _ in group if not named)
            if (
                joined
                and len(group) > 1
                and plural
                and _COUNCILS_BEFORE.search(cased, max(0, group[0][0] - 24), group[0][0] + 1)
            ):
                listed.update(start for start, named, _ in group if named)
            if joined and any(full for _, _, full in group):
                # "Blackpool, Blackburn with Darwen and Lancashire County Council agreed",
                # "Vale of White Horse District Council and South Oxfordshire": a list
                # with a council named in full is a list of councils
                listed.update(start for start, named, full in group if named and not full)

        prev_end = -10
        for start, end, name, gss_map in tokens:
            # a join is at most " and ": farther apart, or another word between, is none
            if group and not _joined(cased, prev_end, start):
                close()
                group, joined = [], False
            if group:
                joined = joined or bool(cased[prev_end - 1 : start + 1].strip())
            prev_end = end
            # a council named in full: "Lancashire County Council", "City of Edinburgh"
            full = any(strong for _, strong in gss_map)
            group.append((start, bool(name) and start not in locators, full))
            if joined and regional and _REGIONAL_AFTER.match(cased, end - 1):
                # "the Hull and East Yorkshire mayor", "the Devon and Torbay combined
                # authority": a body over the councils listed, none of them
                locators.update(start for start, _, _ in group)
            if plural and _COUNCILS_AFTER.match(cased, end - 1):
                if len(group) > 1:
                    listed.update(start for start, _, _ in group)
                group, joined = [], False
        close()
        return listed, peers, locators

    def _token_councils(
        self, name: str, gss_map: tuple[tuple[str, bool], ...], when: date | None
    ) -> set[str]:
        """The councils a bare name may mean on ``when`` (none for a council named in
        full, which is never a locator)."""
        if any(strong for _, strong in gss_map):
            return set()
        if name in AMBIGUOUS:
            return {self._of_the_day(g, when) for g, _ in AMBIGUOUS[name]}
        if name in self.shared_towns:
            return set(self.shared_towns[name])  # "Stratford, Warwickshire"
        return {h for g, _ in gss_map for h in self._heirs(g, when)}

    def _county_like(self, gss: str) -> bool:
        """A county council, or a unitary council named after a county (Wiltshire,
        Cornwall, North Yorkshire), which "Town, County" names as a place."""
        c = self.councils[gss]
        return c.type == "CTY" or c.short_name.endswith("shire") or c.short_name in _COUNTIES

    def _county_at_hall(self, gss: str, norm: str, start: int, end: int) -> str:
        """A two-tier town named as the seat of "County Hall in Matlock", "Shire Hall in
        Warwick" or "Maidstone's County Hall" is its county council's; otherwise ``gss``
        itself."""
        parent = self.councils[gss].parent_gss
        if parent in self.councils and (
            _COUNTY_HALL.search(norm, max(0, start - 20), start + 1)
            or _COUNTY_HALL_AFTER.match(norm, end - 1)
        ):
            return parent
        return gss

    @staticmethod
    def _cut_by_place(spans: list[tuple[int, int, str]], start: int, end: int) -> bool:
        """Does a town's name begin before [start, end) and end inside it? Then the
        council's name is read across a word of the town's ("East Preston Council", "High
        Wycombe Council", "Kings Bromley Council"), and the town stands."""
        i = bisect_right(spans, (start, _BEYOND)) - 1
        if i < 0:
            return False
        s, e, _ = spans[i]
        return s < start and start + 1 < e < end

    def _add_places(
        self,
        spans: list[tuple[int, int, str]],
        norm: str,
        cased: str,
        lede_end: int,
        sport: bool,
        add: Callable[[str, float, bool, str], None],
        peers: Set[int] = frozenset(),
        commas: Container[tuple[str, str]] = frozenset(),
    ) -> None:
        """Towns named in the text vote for their council, each passing the same checks
        as a bare council name: capitalised, not a person, not a club, not abroad. A town
        listed with councils' bare names ("Hull, York and Leeds") counts as one of them."""
        county = "county council" in norm
        county_hall = " hall " in norm
        for start, end, gss in spans:
            if not self._bare_mention_ok(cased, start, end, sport, commas=commas):
                continue
            if norm.startswith(_CITY_COUNCIL_AFTER, end - 1) and (
                norm[start + 1 : end - 1] not in _PARISH_CITIES
            ):
                continue  # "Hamilton City Council": abroad (Truro's is its parish)
            if county and norm.startswith(" county council ", end - 1):
                continue  # no town is a county council: "Louth County Council" is Irish
            parent = self.councils[gss].parent_gss
            if county and parent in self.councils:
                gss = parent  # "the county council" of a two-tier town
            elif county_hall:
                gss = self._county_at_hall(gss, norm, start, end)
            if start in peers:
                add(gss, WEAK_CONFIDENCE, start < lede_end, "text")
            else:
                add(gss, PLACE_CONFIDENCE, start < lede_end, "place")

    def _url_words(self, url: str, when: date | None) -> tuple[set[str], set[str]]:
        """Councils whose full short name appears as words of the URL's host or path
        (the longest name wins: "north-norfolk" is North Norfolk, not also Norfolk), and
        the councils of the towns its path names. The BBC's addresses name a region's
        section ("/news/uk-england-kent-67890"), never a council."""
        host, path = _host_path(url)
        path = "" if _is_bbc(host) else self._without_region_sections(path.lower(), when)
        words = " " + " ".join(re.split(r"[^a-z0-9]+", f"{host} {path}".lower())) + " "
        found: set[str] = set()
        spans = self._place_spans(words, when)
        matches = self._matches(words)
        # "brighton-and-hove-council-preston-park-by-election": beside a council named as
        # one, other names are its wards and towns
        named_in_full = any(any(strong for _, strong in m[3]) for m in matches)
        for start, end, name, gss_map in matches:
            if name in AMBIGUOUS or " " in name and len(name) < 8:
                continue
            if named_in_full and not any(strong for _, strong in gss_map):
                continue
            if spans and self._inside_longer(spans, start, end):
                continue
            # the council of that name on the item's date ("somerset" in a 2018 address
            # is Somerset County Council, abolished in 2023), today's when undated
            named = [
                g
                for g, _ in gss_map
                if (self._valid(g, when) if when else self.councils[g].current)
            ]
            if len(named) == 1:
                found.add(named[0])
        path_from = len(" ".join(re.split(r"[^a-z0-9]+", host))) + 1
        return found, {gss for start, _, gss in spans if start >= path_from}

    def _without_region_sections(self, path: str, when: date | None) -> str:
        """The path less a paper's section for a region of several councils
        ("/news/hull-east-yorkshire-news/"): the section is no council's, the story's
        own words after it still count."""
        for m in _REGION_SECTION.finditer(path):
            words = " " + m[1].replace("-", " ") + " "
            councils = {g for _, _, g in self._place_spans(words, when)} | {
                g for *_, gss_map in self._matches(words) for g, _ in gss_map
            }
            if len(councils) > 1:
                path = path.replace(m[0], "/")
        return path

    @staticmethod
    def _lede_end(body: str, cased: str) -> int:
        """Offset in the normalised text where the first sentence (or headline) ends."""
        match = _SENTENCE_END.search(body, 40)
        return _offset(body, match.start() if match else len(body))

    def _roles(
        self,
        candidates: dict[str, _Candidate],
        when: date | None,
        own_site: Set[str] = frozenset(),
        local: bool = False,
    ) -> list[Link]:
        """Primary: the source, the URL, an outlet's patch, and the best-scored names. On a
        council's own site the other councils it names are mentioned; on a town or parish
        council's business, a principal council reached only through a place is the
        area's council, so mentioned too."""
        if not candidates:
            return []

        def score(c: _Candidate) -> float:
            return c.best + (0.15 if c.in_lede else 0) + min(0.1, 0.03 * (c.mentions - 1))

        # councils named only as comparisons ("following Birmingham", "like Croydon
        # before it") are mentioned, unless the item names no other
        eligible = [c for c in candidates.values() if not c.aside]
        compared_away = bool(eligible) and len(eligible) < len(candidates)
        top = max(score(c) for c in (eligible or candidates.values()))
        # a council named in the headline or first sentence is what the item is about;
        # councils only named further down are then mentioned ("...will remain under the
        # oversight of Essex County Council's chief executive")
        in_lede = [
            c
            for c in eligible
            if c.in_lede
            and c.best >= WEAK_CONFIDENCE
            # "Kent residents face higher bills as Maidstone Borough Council...": a county's
            # bare name there is where, not who
            and (c.best > WEAK_CONFIDENCE or not self._county_like(c.gss))
        ]
        lede_named = bool(in_lede)
        if lede_named:
            top = max(score(c) for c in in_lede)
        links = []
        for cand in sorted(candidates.values(), key=score, reverse=True):
            c = self.councils[cand.gss]
            s = score(cand)
            area_only = local and cand.methods <= {"place", "outlet"}
            # a council's own site is about that council; the others it names are mentioned
            elsewhere = bool(own_site) and cand.gss not in own_site
            comparison = compared_away and cand.aside
            primary = (
                not area_only
                and not elsewhere
                and not comparison
                and (
                    "source" in cand.methods
                    or "url" in cand.methods
                    or "outlet" in cand.methods
                    or (cand.in_lede and s >= top - 0.2 and cand.best >= WEAK_CONFIDENCE)
                    or (s >= top - 0.05 and (cand.in_lede or not lede_named))
                )
            )
            former = c.end_date is not None and (when is None or when >= c.end_date)
            method = next(
                m for m in ("source", "url", "text", "place", "outlet") if m in cand.methods
            )
            links.append(
                Link(
                    gss=c.gss,
                    name=c.name,
                    role="primary" if primary else "mentioned",
                    confidence=min(1.0, cand.best + (0.04 if cand.mentions > 1 else 0)),
                    method=method,
                    former=former,
                    successors=c.successors if former else (),
                )
            )
        links.sort(key=lambda lk: lk.role != "primary")  # stable: by score within a role
        return links
