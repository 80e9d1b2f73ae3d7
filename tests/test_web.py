"""The web service through a real uvicorn server on both backends: access control, the
pages, the JSON API and the flags feed, CSRF, the audit log, one-click unsubscribe."""

from __future__ import annotations

import csv
import io
from contextlib import closing

import httpx

from monitor.store import Store
from monitor.web import create_app
from tests.conftest import make_settings
from tests.webapp import PASSWORD, WOKING, Web

# -- access ---------------------------------------------------------------------------------
PAGES = [
    "/",
    "/search?q=budget",
    f"/councils/{WOKING}",
    "/alerts",
    "/alerts/1",
    "/sources",
    "/subscriptions",
    "/audit",
    "/api",
    "/alerts-false-positives.csv",
]
API = [
    "/api/search?q=budget",
    "/api/councils",
    f"/api/councils/{WOKING}",
    "/api/alerts",
    "/api/radar",
    "/api/flags",
    "/api/flags?format=csv",
    "/openapi.json",
]


def test_without_credentials_nothing_leaks(web: Web) -> None:
    with web.client() as client:
        for path in PAGES:
            response = client.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/login?next=")
            assert "budget" not in response.text.lower()
        for path in API:
            response = client.get(path)
            assert response.status_code == 401, path
            assert response.json() == {"error": "unauthorized"}
        for path in (f"/alerts/{web.alert_id}/ack", "/subscriptions"):
            assert client.post(path, data={"csrf": "x"}).status_code == 303
        bad = client.get("/api/search?q=budget", headers={"Authorization": "Bearer cm_nope"})
        assert bad.status_code == 401 and "budget" not in bad.text.lower()
        # health and the login page are public, and say nothing about councils
        assert client.get("/health").json() == {"status": "ok"}
        login = client.get("/login")
        assert login.status_code == 200 and "Woking" not in login.text
        assert "script-src" not in login.headers["content-security-policy"]
        assert "default-src 'none'" in login.headers["content-security-policy"]


def test_login_wrong_password_then_lockout(web: Web) -> None:
    with web.client() as client:
        for _ in range(5):
            bad = client.post("/login", data={"username": "vera", "password": "wrong"})
            assert bad.status_code == 401 and "Wrong name or password" in bad.text
        # the right password no longer helps for an hour: guessing is throttled
        locked = client.post("/login", data={"username": "vera", "password": PASSWORD})
        assert locked.status_code == 429
        ok = client.post("/login", data={"username": "ana", "password": PASSWORD, "next": "//evil"})
        assert ok.status_code == 303 and ok.headers["location"] == "/"  # no open redirect
        cookie = ok.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie
    failures = web.store.access.audit_log(action="login_failed")
    assert len(failures) == 5 and failures[0]["target"] == "vera"


def test_pages_render_for_a_signed_in_user(web: Web) -> None:
    client, _csrf = web.login("vera")
    with closing(client):
        for path in PAGES[:7] + ["/api"]:
            response = client.get(path.replace("/alerts/1", f"/alerts/{web.alert_id}"))
            assert response.status_code == 200, (path, response.text[:300])
            assert response.headers["content-security-policy"].startswith("default-src 'none'")
        council = client.get(f"/councils/{WOKING}").text
        assert "<svg" in council and council.count('class="series"') == 4
        assert "Woking Borough Council" in council
        search = client.get("/search", params={"q": "budget", "council": "Woking"}).text
        assert "<mark>" in search
        # viewers read; they cannot act or read the audit log
        assert client.get("/audit").status_code == 403


def test_scraped_payloads_are_escaped_everywhere(web: Web) -> None:
    client, _ = web.login("ana")
    with closing(client):
        for path in ("/search?q=budget", f"/councils/{WOKING}", f"/alerts/{web.alert_id}", "/"):
            html = client.get(path).text
            assert "<script>window" not in html and 'onerror="window' not in html
            assert "<svg onload" not in html and "<iframe" not in html
            assert 'href="javascript:' not in html.lower()
        council = client.get(f"/councils/{WOKING}").text
        assert "&lt;script&gt;window.__xss" in council or "&lt;img src=x" in council


def test_csrf_and_roles_guard_every_form(web: Web) -> None:
    viewer, viewer_csrf = web.login("vera")
    analyst, csrf = web.login("ana")
    with closing(viewer), closing(analyst):
        ack = f"/alerts/{web.alert_id}/ack"
        assert analyst.post(ack, data={}).status_code == 403  # no token
        assert analyst.post(ack, data={"csrf": viewer_csrf}).status_code == 403  # not theirs
        assert viewer.post(ack, data={"csrf": viewer_csrf}).status_code == 403  # viewer
        assert analyst.post(ack, data={"csrf": csrf}).status_code == 303
        fp = analyst.post(
            f"/alerts/{web.alert_id}/false-positive",
            data={"csrf": csrf, "reason": "a routine budget report"},
        )
        assert fp.status_code == 303
        alert = web.store.alerts.get(web.alert_id)
        assert alert is not None and alert["acknowledged_by"] == "ana"
        assert alert["false_positive_reason"].startswith("a routine budget report")
        export = analyst.get("/alerts-false-positives.csv")
        rows = list(csv.reader(io.StringIO(export.text)))
        assert rows[0][:4] == ["alert_id", "gss", "labels", "reason"] and len(rows) > 1
        added = analyst.post(
            "/subscriptions",
            data={
                "csrf": csrf,
                "name": "pat",
                "email": "pat@example.org",
                "councils": "Woking",
                "signals": ["financial_distress"],
                "min_severity": "concern",
            },
        )
        assert added.status_code == 303
        pat = web.store.subscribers.get("pat")
        assert pat is not None and pat["councils"] == [WOKING]
        assert analyst.post("/logout", data={"csrf": csrf}).status_code == 303
        assert analyst.get("/alerts").status_code == 303  # the session is gone


# -- the API ----------------------------------------------------------------------------------
def api(web: Web) -> httpx.Client:
    return web.client(headers={"Authorization": f"Bearer {web.token}"})


def test_api_search_councils_alerts_radar(web: Web) -> None:
    with api(web) as client:
        first = client.get("/api/search", params={"q": "budget", "limit": 3})
        assert first.status_code == 200, first.text
        page = first.json()
        assert len(page["items"]) == 3 and page["next"]
        hit = page["items"][0]
        assert {"id", "title", "url", "council", "signals", "sentiment"} <= set(hit)
        second = client.get(page["next"]).json()
        assert {h["id"] for h in second["items"]}.isdisjoint({h["id"] for h in page["items"]})
        signal = client.get(
            "/api/search", params={"q": "budget", "signal": "financial_distress", "limit": 50}
        ).json()
        assert signal["items"] and all(
            "financial_distress" in h["signals"] for h in signal["items"]
        )
        assert client.get("/api/search", params={"q": "budget", "signal": "x"}).status_code == 400
        assert client.get("/api/search", params={"q": '"unclosed'}).status_code == 400
        councils = client.get("/api/councils", params={"limit": 100}).json()
        assert len(councils["items"]) == 5  # clamped to web.page_size
        assert {"gss", "name", "region", "aliases"} <= set(councils["items"][0])
        woking = client.get(f"/api/councils/{WOKING}").json()
        assert woking["council"]["gss"] == WOKING and woking["alerts"]
        assert set(woking["weekly_signal_stories"]) == {
            "financial_distress",
            "leadership_conflict",
            "political_instability",
            "governance_failure",
        }
        assert client.get("/api/councils/E99999999").status_code == 404
        alerts = client.get("/api/alerts").json()["items"]
        assert alerts[0]["council_gss"] == WOKING and alerts[0]["explanation"]["rules"]
        radar = client.get("/api/radar").json()
        assert radar["councils"][0]["gss"] == WOKING and radar["cannot_judge"]
        schema = client.get("/openapi.json").json()
        assert {"/api/search", "/api/flags", "/api/radar"} <= set(schema["paths"])


def test_flags_feed_json_and_csv(web: Web) -> None:
    with api(web) as client:
        rows = client.get("/api/flags", params={"limit": 50}).json()["items"]
        woking = [r for r in rows if r["gss"] == WOKING]
        fin = next(r for r in woking if r["signal"] == "financial_distress")
        assert fin["stories_90d"] >= fin["stories_30d"] >= fin["stories_7d"] >= 1
        assert 0 < fin["score"] <= 1 and fin["alert_severity"] in ("watch", "concern", "acute")
        assert fin["model_version"] == "test-model" and fin["latest_evidence"]
        text = client.get("/api/flags", params={"format": "csv"}).text
        table = list(csv.DictReader(io.StringIO(text)))
        assert text.splitlines()[0].startswith("gss,council,signal,score")
        assert {r["gss"] for r in table} >= {WOKING} and len(table) == len(rows)


def test_audit_log_records_who_searched_and_viewed_what(web: Web) -> None:
    with api(web) as client:
        client.get("/api/search", params={"q": "section 114", "council": "Woking"})
        client.get(f"/api/councils/{WOKING}")
    browser, _ = web.login("vera")
    with closing(browser):
        browser.get(f"/councils/{WOKING}")
    log = web.store.access.audit_log()
    seen = {(r["user_name"], r["via"], r["action"], r["target"]) for r in log}
    assert ("ana", "api", "search", "section 114") in seen
    assert ("ana", "api", "view_council", WOKING) in seen
    assert ("vera", "web", "view_council", WOKING) in seen
    admin, _ = web.login("adam")
    with closing(admin):
        page = admin.get("/audit")
        assert page.status_code == 200 and "section 114" in page.text


def test_one_click_unsubscribe(web: Web) -> None:
    with web.client() as client:
        form = client.get("/unsubscribe", params={"token": web.unsubscribe_token})
        assert form.status_code == 200 and "Stop all mail" in form.text
        # RFC 8058: the mail client POSTs to the List-Unsubscribe URL
        done = client.post(
            "/unsubscribe",
            params={"token": web.unsubscribe_token},
            content=b"List-Unsubscribe=One-Click",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert done.status_code == 200 and "Unsubscribed" in done.text
        again = client.post("/unsubscribe", params={"token": web.unsubscribe_token})
        assert again.status_code == 200  # a repeated one-click is still a success
        unknown = client.post("/unsubscribe", params={"token": "not-a-token"})
        assert unknown.status_code == 404
    sam = web.store.subscribers.get("sam")
    assert sam is not None and not sam["active"]


def test_revoked_token_and_disabled_user_are_refused(web: Web) -> None:
    with api(web) as client:
        assert client.get("/api/radar").status_code == 200
        web.store.access.revoke_token(web.token[:10])
        assert client.get("/api/radar").status_code == 401
    browser, _ = web.login("vera")
    with closing(browser):
        assert browser.get("/alerts").status_code == 200
        web.store.access.set_user("vera", active=False)
        assert browser.get("/alerts").status_code == 303


def test_sqlite_settings_alone_start_the_app() -> None:
    """create_app opens its own store when not given one (what `serve` does)."""
    import tempfile

    from fastapi.testclient import TestClient

    with tempfile.TemporaryDirectory() as tmp:
        settings = make_settings(f"sqlite:///{tmp}/w.db")
        Store.open(settings).init()
        with TestClient(create_app(settings)) as client:
            assert client.get("/health").json() == {"status": "ok"}
            assert client.get("/api/radar").status_code == 401
