"""The web service: server-rendered pages (Jinja2, no JavaScript) and the JSON API.

Everything except ``/login``, ``/health``, ``/static`` and the mail's one-click
``/unsubscribe`` needs a signed-in user (a session cookie) or an API token
(``Authorization: Bearer cm_...``).  Without one, pages redirect to the login page and
API routes answer 401 with nothing else in the body.  Every form carries the session's
CSRF token.  Scraped text reaches a page only through Jinja2's escaping, under a
Content-Security-Policy that allows no script at all.
"""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape
from starlette.concurrency import run_in_threadpool

from monitor.alerting import radar
from monitor.config import Settings
from monitor.coverage import health_summary
from monitor.dates import parse_when
from monitor.declarations import resolve_council
from monitor.errors import ConfigError, MonitorError, QueryError
from monitor.register import Register, load_register
from monitor.store import Store
from monitor.store.access import User
from monitor.store.tables import utcnow
from monitor.types import SearchHit
from monitor.web import data

__all__ = ["create_app"]

HERE = Path(__file__).parent
COOKIE = "cm_session"
PUBLIC = ("/login", "/health", "/static/", "/unsubscribe")
CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
}
LABEL_NAMES = {
    "financial_distress": "financial distress",
    "leadership_conflict": "leadership conflict",
    "political_instability": "political instability",
    "governance_failure": "governance failure",
}
LABEL_COLOURS = {
    "financial_distress": "#b3261e",
    "leadership_conflict": "#7d5260",
    "political_instability": "#1d5fa8",
    "governance_failure": "#8a5a00",
}


def highlight(hit: SearchHit) -> Markup:
    """The snippet with its matches in <mark>, every piece escaped."""
    out, last = [], 0
    for start, end in hit.highlights:
        out.append(escape(hit.snippet[last:start]))
        out.append(Markup("<mark>") + escape(hit.snippet[start:end]) + Markup("</mark>"))
        last = end
    out.append(escape(hit.snippet[last:]))
    return Markup("").join(out)


def safe_url(url: str | None) -> str:
    """Only http(s) links reach a page (no javascript:, data: or other schemes)."""
    if url and url.lower().startswith(("https://", "http://")):
        return url
    return "#"


def chart(weekly: dict[str, list[int]], width: int = 640, height: int = 160) -> Markup:
    """Unique stories per signal per week as an inline SVG line chart (no script)."""
    weeks = len(next(iter(weekly.values())))
    peak = max(1, *(max(v) for v in weekly.values()))
    step = (width - 40) / max(weeks - 1, 1)
    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height + 20}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>Signal stories per week, last {weeks} '
        f"weeks</title>"
    ]
    for frac in (0, 0.5, 1):
        y = 10 + (1 - frac) * height
        parts.append(
            f'<line x1="30" x2="{width - 10}" y1="{y:.0f}" y2="{y:.0f}" stroke="#ddd"/>'
            f'<text x="0" y="{y + 4:.0f}" font-size="10" fill="#555">{round(peak * frac)}</text>'
        )
    for label, counts in weekly.items():
        points = " ".join(
            f"{30 + i * step:.1f},{10 + (1 - c / peak) * height:.1f}" for i, c in enumerate(counts)
        )
        parts.append(
            f'<polyline class="series" data-label="{label}" fill="none" '
            f'stroke="{LABEL_COLOURS[label]}" stroke-width="2" points="{points}"/>'
        )
    parts.append(
        f'<text x="30" y="{height + 20}" font-size="10" fill="#555">{weeks} weeks ago</text>'
        f'<text x="{width - 50}" y="{height + 20}" font-size="10" fill="#555">this week</text>'
        "</svg>"
    )
    return Markup("".join(parts))


def create_app(settings: Settings, store: Store | None = None) -> FastAPI:
    owned = store is None
    state: dict[str, Any] = {}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        state["store"] = store or Store.open(settings)
        state["register"] = load_register()
        yield
        if owned:
            state["store"].close()

    app = FastAPI(
        title="Council Monitor API",
        version="1",
        description="Signals of distress in UK councils: search, councils, alerts, the radar "
        "and the risk-flags feed.  Authenticate with `Authorization: Bearer <token>` "
        "(`council-monitor tokens create NAME`).",
        docs_url=None,  # the Swagger page needs scripts from a CDN; /api lists the routes
        redoc_url=None,
        lifespan=lifespan,
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    templates = Jinja2Templates(directory=HERE / "templates")
    templates.env.globals.update(
        label_names=LABEL_NAMES,
        label_colours=LABEL_COLOURS,
        safe_url=safe_url,
        highlight=highlight,
        chart=chart,
    )
    templates.env.filters["when"] = lambda d: d.strftime("%d %b %Y") if d else ""

    def st() -> Store:
        return state["store"]

    def reg() -> Register:
        return state["register"]

    hours = settings.web.session_hours

    # -- who is asking -------------------------------------------------------------------
    def identify(request: Request) -> tuple[User | None, str | None, str]:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            return st().access.token_user(auth[7:].strip()), None, "api"
        found = st().access.session(request.cookies.get(COOKIE, ""), hours)
        if found is None:
            return None, None, "web"
        return found[0], found[1], "web"

    @app.middleware("http")
    async def guard(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        path = request.url.path
        if not path.startswith(PUBLIC):
            user, csrf, via = await run_in_threadpool(identify, request)
            if user is None:
                if path.startswith("/api/") or path == "/openapi.json" or via == "api":
                    response: Response = JSONResponse(
                        {"error": "unauthorized"},
                        status_code=401,
                        headers={"WWW-Authenticate": "Bearer"},
                    )
                else:
                    target = path + (f"?{request.url.query}" if request.url.query else "")
                    response = RedirectResponse(f"/login?next={quote(target)}", status_code=303)
                response.headers.update(SECURITY_HEADERS)
                return response
            request.state.user, request.state.csrf, request.state.via = user, csrf, via
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    def user_of(request: Request) -> User:
        return request.state.user

    def need(request: Request, role: str) -> User:
        user = user_of(request)
        if not user.can(role):
            raise HTTPException(403, f"this needs the {role} role")
        return user

    def check_csrf(request: Request, token: str) -> None:
        expected = request.state.csrf or ""
        if not expected or not secrets.compare_digest(expected, token or ""):
            raise HTTPException(403, "the form has expired; reload the page and try again")

    def audit(request: Request, action: str, target: str = "", **detail: Any) -> None:
        # written before the answer leaves, in its own short transaction: who saw which
        # council's intelligence is a record that must survive a crash, so it is not
        # buffered (bench/api.py measures the cost with it in place)
        user = user_of(request)
        st().access.audit(user.name, request.state.via, action, target, **detail)

    def page(request: Request, name: str, code: int = 200, **context: Any) -> HTMLResponse:
        user = getattr(request.state, "user", None)
        return templates.TemplateResponse(
            request,
            name,
            {"user": user, "csrf": getattr(request.state, "csrf", None), **context},
            status_code=code,
        )

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if request.url.path.startswith("/api"):
            return JSONResponse({"error": exc.detail}, status_code=exc.status_code)
        return page(request, "error.html", exc.status_code, message=exc.detail)

    @app.exception_handler(MonitorError)
    async def monitor_error(request: Request, exc: MonitorError) -> Response:
        status = 400 if isinstance(exc, QueryError | ConfigError) else 500
        if request.url.path.startswith("/api"):
            return JSONResponse({"error": str(exc)}, status_code=status)
        return page(request, "error.html", status, message=str(exc))

    # -- public -------------------------------------------------------------------------
    @app.get("/health", include_in_schema=False)
    def health() -> dict[str, str]:
        st().db.check()
        return {"status": "ok"}

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request, next: str = "/") -> HTMLResponse:
        return page(request, "login.html", next=_local(next), error=None)

    @app.post("/login", include_in_schema=False)
    def login(
        request: Request,
        username: str = Form(""),
        password: str = Form(""),
        next: str = Form("/"),
    ) -> Response:
        access = st().access
        since = utcnow().replace(microsecond=0) - _HOUR
        if access.recent_failures(username, since) >= settings.web.login_attempts_per_hour:
            return page(request, "login.html", 429, next=_local(next), error=_TOO_MANY)
        user = access.authenticate(username, password)
        if user is None:
            access.audit(username[:100] or "-", "web", "login_failed", username[:100])
            return page(
                request, "login.html", 401, next=_local(next), error="Wrong name or password."
            )
        token, _csrf = access.create_session(user, hours)
        access.audit(user.name, "web", "login")
        response = RedirectResponse(_local(next), status_code=303)
        response.set_cookie(
            COOKIE,
            token,
            httponly=True,
            samesite="lax",
            secure=settings.web.secure_cookies,
            max_age=int(hours * 3600),
        )
        return response

    @app.get("/unsubscribe", response_class=HTMLResponse, include_in_schema=False)
    def unsubscribe_form(request: Request, token: str = "") -> HTMLResponse:
        return page(request, "unsubscribe.html", token=token, done=None)

    @app.post("/unsubscribe", include_in_schema=False)
    def unsubscribe(
        request: Request, token: str = Query(""), form_token: str = Form("", alias="token")
    ) -> Response:
        """RFC 8058 one-click (the mail client POSTs ``List-Unsubscribe=One-Click`` to the
        URL from the header) and the confirmation form; the token is the credential."""
        name = st().subscribers.unsubscribe(token or form_token)
        return page(request, "unsubscribe.html", 200 if name else 404, token="", done=name)

    # -- pages ----------------------------------------------------------------------------
    @app.post("/logout", include_in_schema=False)
    def logout(request: Request, csrf: str = Form("")) -> Response:
        check_csrf(request, csrf)
        st().access.end_session(request.cookies.get(COOKIE, ""))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE)
        return response

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request) -> HTMLResponse:
        rows, blind = radar(st(), settings)
        return page(request, "radar.html", rows=rows[:30], blind=blind)

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search_page(
        request: Request,
        q: str = "",
        council: str = "",
        region: str = "",
        signal: str = "",
        sentiment: str = "",
        since: str = "",
        until: str = "",
        kind: str = "",
        sort: str = "newest",
        page_no: int = Query(1, alias="page", ge=1),
    ) -> HTMLResponse:
        filters = dict(
            council=council,
            region=region,
            signal=signal,
            sentiment=sentiment,
            since=since,
            until=until,
            kind=kind,
            sort=sort,
        )
        result, error = None, None
        size = settings.web.page_size
        if q.strip():
            try:
                gss = _council_code(reg(), council)
                result = data.search(
                    st(),
                    reg(),
                    q,
                    council=gss,
                    region=region or None,
                    signal=signal or None,
                    sentiment=sentiment or None,
                    since=parse_when(since or None, option="since"),
                    until=parse_when(until or None, end=True, option="until"),
                    kind=kind or None,
                    sort=sort,
                    limit=size,
                    offset=(page_no - 1) * size,
                )
                audit(request, "search", q, **{k: v for k, v in filters.items() if v})
            except MonitorError as exc:
                error = str(exc)
        regions = sorted({c.region for c in reg().current() if c.region})
        more = None
        if result is not None and result.has_more:
            more = "/search?" + urlencode({"q": q, **filters, "page": page_no + 1})
        return page(
            request,
            "search.html",
            q=q,
            filters=filters,
            result=result,
            error=error,
            regions=regions,
            labels=data.LABELS,
            more=more,
        )

    @app.get("/councils/{gss}", response_class=HTMLResponse, include_in_schema=False)
    def council_page(request: Request, gss: str) -> HTMLResponse:
        view = data.council_view(st(), settings, reg(), _council_or_404(reg(), gss))
        if view is None:
            raise HTTPException(404, "no such council")
        audit(request, "view_council", view["council"].gss)
        return page(request, "council.html", **view)

    @app.get("/alerts", response_class=HTMLResponse, include_in_schema=False)
    def alerts_page(request: Request, status: str = "active") -> HTMLResponse:
        rows = st().alerts.find(status=status or None, limit=200)
        return page(request, "alerts.html", alerts=rows, status=status, register=reg())

    @app.get("/alerts/{alert_id}", response_class=HTMLResponse, include_in_schema=False)
    def alert_page(request: Request, alert_id: int) -> HTMLResponse:
        alert = st().alerts.get(alert_id)
        if alert is None:
            raise HTTPException(404, "no such alert")
        audit(request, "view_alert", str(alert_id), council=alert["council_gss"])
        return page(request, "alert.html", alert=alert, council=reg().get(alert["council_gss"]))

    @app.post("/alerts/{alert_id}/ack", include_in_schema=False)
    def ack(request: Request, alert_id: int, csrf: str = Form("")) -> Response:
        check_csrf(request, csrf)
        user = need(request, "analyst")
        st().alerts.mark(alert_id, acknowledged_by=user.name)
        audit(request, "acknowledge", str(alert_id))
        return RedirectResponse(f"/alerts/{alert_id}", status_code=303)

    @app.post("/alerts/{alert_id}/false-positive", include_in_schema=False)
    def false_positive(
        request: Request, alert_id: int, csrf: str = Form(""), reason: str = Form("")
    ) -> Response:
        check_csrf(request, csrf)
        user = need(request, "analyst")
        reason = " ".join(reason.split())[:1000]
        if not reason:
            raise HTTPException(400, "say why it is a false positive")
        st().alerts.mark(alert_id, false_positive_reason=f"{reason} ({user.name})")
        audit(request, "false_positive", str(alert_id), reason=reason)
        return RedirectResponse(f"/alerts/{alert_id}", status_code=303)

    @app.get("/alerts-false-positives.csv", include_in_schema=False)
    def false_positives_csv(request: Request) -> Response:
        """Alerts marked false positive, with their evidence: material for retraining."""
        need(request, "analyst")
        buf = io.StringIO()
        writer = csv.writer(buf)
        writer.writerow(
            ["alert_id", "gss", "labels", "reason", "item_title", "item_url", "label", "evidence"]
        )
        for row in st().alerts.find(limit=10000):
            if not row["false_positive_reason"]:
                continue
            for story in row["explanation"].get("items", []):
                for label, evidence in (story.get("evidence") or {}).items():
                    writer.writerow(
                        [
                            row["id"],
                            row["council_gss"],
                            " ".join(row["labels"]),
                            row["false_positive_reason"],
                            story.get("title", ""),
                            story.get("url", ""),
                            label,
                            evidence,
                        ]
                    )
        audit(request, "export_false_positives")
        return Response(buf.getvalue(), media_type="text/csv; charset=utf-8")

    @app.get("/sources", response_class=HTMLResponse, include_in_schema=False)
    def sources_page(request: Request) -> HTMLResponse:
        summary = health_summary(st(), settings, reg())
        return page(request, "sources.html", summary=summary, register=reg())

    @app.get("/subscriptions", response_class=HTMLResponse, include_in_schema=False)
    def subscriptions_page(request: Request) -> HTMLResponse:
        subs = st().subscribers.all(include_inactive=True)
        return page(request, "subscriptions.html", subs=subs, register=reg(), labels=data.LABELS)

    @app.post("/subscriptions", include_in_schema=False)
    def add_subscription(
        request: Request,
        csrf: str = Form(""),
        name: str = Form(""),
        email: str = Form(""),
        councils: str = Form(""),
        regions: str = Form(""),
        signals: list[str] = Form([]),
        min_severity: str = Form("watch"),
    ) -> Response:
        check_csrf(request, csrf)
        need(request, "analyst")
        codes = [
            _council_code(reg(), c.strip()) or c.strip() for c in councils.split(",") if c.strip()
        ]
        st().subscribers.add(
            name.strip(),
            email.strip(),
            councils=codes,
            regions=[r.strip() for r in regions.split(",") if r.strip()],
            signals=[s for s in signals if s in data.LABELS],
            min_severity=min_severity,
        )
        audit(request, "add_subscriber", name.strip())
        return RedirectResponse("/subscriptions", status_code=303)

    @app.post("/subscriptions/{name}/remove", include_in_schema=False)
    def remove_subscription(request: Request, name: str, csrf: str = Form("")) -> Response:
        check_csrf(request, csrf)
        need(request, "analyst")
        st().subscribers.remove(name)
        audit(request, "remove_subscriber", name)
        return RedirectResponse("/subscriptions", status_code=303)

    @app.get("/audit", response_class=HTMLResponse, include_in_schema=False)
    def audit_page(request: Request, user: str = "", action: str = "") -> HTMLResponse:
        need(request, "admin")
        rows = st().access.audit_log(limit=500, user=user or None, action=action or None)
        return page(request, "audit.html", rows=rows)

    @app.get("/api", response_class=HTMLResponse, include_in_schema=False)
    def api_index(request: Request) -> HTMLResponse:
        return page(request, "api.html", schema=app.openapi())

    # -- the JSON API -----------------------------------------------------------------------
    def paged(
        request: Request, items: list[Any], limit: int, offset: int, has_more: bool
    ) -> dict[str, Any]:
        next_url = None
        if has_more:
            query = dict(request.query_params)
            query.update(limit=str(limit), offset=str(offset + limit))
            next_url = f"{request.url.path}?{urlencode(query)}"
        return {"items": items, "limit": limit, "offset": offset, "next": next_url}

    def clamp(limit: int | None) -> int:
        return min(limit or settings.web.page_size, settings.web.page_size)

    @app.get("/api/search", tags=["search"])
    def api_search(
        request: Request,
        q: str = Query(..., description='Words, "phrases", OR, -exclude, prefix*.'),
        council: str | None = Query(None, description="GSS code or council name."),
        region: str | None = None,
        signal: str | None = Query(None, description="One of the four signals."),
        sentiment: str | None = Query(None, description="negative, neutral or positive."),
        since: str | None = Query(None, description="YYYY[-MM[-DD]]"),
        until: str | None = Query(None, description="YYYY[-MM[-DD]] (inclusive)"),
        kind: str | None = Query(None, description="council_news, press or committee."),
        sort: str = Query("newest", description="newest or relevance"),
        limit: int | None = Query(None, ge=1),
        offset: int = Query(0, ge=0),
    ) -> dict[str, Any]:
        """Full-text search: one result per story ("also_in" counts the other outlets),
        with each item's signals, evidence and sentiment."""
        size = clamp(limit)
        result = data.search(
            st(),
            reg(),
            q,
            council=_council_code(reg(), council),
            region=region,
            signal=signal,
            sentiment=sentiment,
            since=parse_when(since, option="since"),
            until=parse_when(until, end=True, option="until"),
            kind=kind,
            sort=sort,
            limit=size,
            offset=offset,
        )
        audit(request, "search", q, council=council, region=region, signal=signal)
        items = [
            {
                **hit.to_json(),
                "signals": result.signals[hit.item_id]["tags"],
                "sentiment": result.signals[hit.item_id]["sentiment"],
            }
            for hit in result.hits
        ]
        return paged(request, items, size, offset, result.has_more)

    @app.get("/api/councils", tags=["councils"])
    def api_councils(
        request: Request,
        current: bool = True,
        limit: int | None = Query(None, ge=1),
        offset: int = Query(0, ge=0),
    ) -> dict[str, Any]:
        """The council register (current councils by default)."""
        size = clamp(limit)
        rows = [c for c in reg() if c.current or not current]
        return paged(
            request,
            [c.to_json() for c in rows[offset : offset + size]],
            size,
            offset,
            offset + size < len(rows),
        )

    @app.get("/api/councils/{gss}", tags=["councils"])
    def api_council(request: Request, gss: str) -> dict[str, Any]:
        """One council: its alerts, weekly signal counts, recent signal stories and its
        sources' health (and what we cannot see)."""
        view = data.council_view(st(), settings, reg(), _council_or_404(reg(), gss))
        if view is None:
            raise HTTPException(404, "no such council")
        audit(request, "view_council", view["council"].gss)
        return {
            "council": view["council"].to_json(),
            "weekly_signal_stories": view["weekly"],
            "alerts": [_alert_json(a) for a in view["alerts"]],
            "stories": [_story_json(s) for s in view["stories"]],
            "sources": [s.to_json() for s in view["sources"]],
            "coverage": view["coverage"],
        }

    @app.get("/api/alerts", tags=["alerts"])
    def api_alerts(
        request: Request,
        status: str = Query("active", description="active, open, escalated, quiet, resolved"),
        council: str | None = None,
        limit: int | None = Query(None, ge=1),
        offset: int = Query(0, ge=0),
    ) -> dict[str, Any]:
        """Alerts with their explanation (rule, numbers, signal mix, contributing stories)."""
        size = clamp(limit)
        rows = st().alerts.find(
            status=status or None, council=_council_code(reg(), council), limit=offset + size + 1
        )
        page_rows = rows[offset : offset + size]
        return paged(
            request, [_alert_json(a) for a in page_rows], size, offset, len(rows) > offset + size
        )

    @app.get("/api/radar", tags=["alerts"])
    def api_radar(request: Request) -> dict[str, Any]:
        """Councils ranked by current signal score, with the reason, and the councils we
        cannot judge because none of their sources works."""
        rows, blind = radar(st(), settings)
        return {"councils": [r.to_json() for r in rows], "cannot_judge": blind}

    @app.get("/api/flags", tags=["flags"], response_model=None)
    def api_flags(
        request: Request,
        format: str = Query("json", description="json or csv (the CSV has every row)"),
        limit: int | None = Query(None, ge=1),
        offset: int = Query(0, ge=0),
    ) -> Any:
        """Per council and signal: score, council score, open alert severity, unique
        stories in the last 7, 30 and 90 days, the latest evidence and the model version."""
        rows = data.flags(st(), settings, reg())
        audit(request, "flags", format)
        if format == "csv":
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=data.FLAG_FIELDS, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            return PlainTextResponse(buf.getvalue(), media_type="text/csv; charset=utf-8")
        if format != "json":
            raise HTTPException(400, "format is json or csv")
        size = clamp(limit)
        return paged(request, rows[offset : offset + size], size, offset, offset + size < len(rows))

    return app


_HOUR = timedelta(hours=1)
_TOO_MANY = "Too many failed attempts for this name; try again in an hour."


def _local(target: str) -> str:
    """Only same-site paths as a redirect target (no //evil.example or https://...)."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def _council_code(register: Register, value: str | None) -> str | None:
    """A GSS code from a code or a name, as everywhere else (``resolve_council``)."""
    try:
        return resolve_council(value, register)
    except ConfigError as exc:
        raise QueryError(str(exc)) from None


def _council_or_404(register: Register, value: str) -> str:
    try:
        code = _council_code(register, value)
    except QueryError:
        code = None
    if code is None:
        raise HTTPException(404, "no such council")
    return code


def _alert_json(a: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in a.items():
        out[key] = value.isoformat() if isinstance(value, datetime) else value
    return out


def _story_json(s: Any) -> dict[str, Any]:
    return {
        "story_id": s.story_id,
        "first_seen": s.first_seen.isoformat(),
        "labels": list(s.labels),
        "score": round(s.score, 3),
        "outlets": list(s.outlets),
        "items": list(s.items),
    }
