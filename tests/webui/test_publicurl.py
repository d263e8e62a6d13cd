"""PUBLIC_URL: receipt links are built on the configured address, never on the Host header (nor on
X-Forwarded-Host behind a proxy); TRUSTED_HOSTS (Flask's own) refuses other hosts with 400."""

from __future__ import annotations

import pytest

from webui.errors import StartupError

API = "/api/v1/consultations"
DIAGNOSIS = {"mode": "diagnosis", "symptoms": {"GC03": "pasti"}}


def _receipt(client, url=API, **headers):
    response = client.post(url, json=DIAGNOSIS, headers=headers)
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Location"] == body["url"]
    return body


def test_without_public_url_a_receipt_follows_the_request(app_factory):
    """Development: no setting, the link is the request's own address (what PUBLIC_URL is for)."""
    body = _receipt(app_factory().test_client(), Host="evil.example")
    assert body["url"] == f"http://evil.example/r/{body['id']}"


@pytest.mark.parametrize(
    "settings, headers",
    [
        ({}, {"Host": "evil.example"}),
        ({"PROXY_COUNT": 1}, {"Host": "evil.example", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http"}),
    ],
    ids=["host", "forwarded-host"],
)
def test_with_public_url_every_receipt_link_is_built_on_it(app_factory, settings, headers):
    app = app_factory(PUBLIC_URL="https://pakar.example.id", **settings)
    client = app.test_client()
    body = _receipt(client, **headers)
    url = f"https://pakar.example.id/r/{body['id']}"
    assert body["url"] == url
    assert client.get(f"{API}/{body['id']}", headers=headers).get_json()["url"] == url
    page = client.get(f"/r/{body['id']}", headers=headers).get_data(as_text=True)
    assert url in page and "evil.example" not in page


@pytest.mark.parametrize("path", [API, "/pakar" + API], ids=["prefix-stripped-by-proxy", "prefix-kept"])
def test_a_public_url_with_a_path_prefix(app_factory, path):
    client = app_factory(PUBLIC_URL="https://example.id/pakar/").test_client()
    body = _receipt(client, url=path, Host="evil.example")
    assert body["url"] == f"https://example.id/pakar/r/{body['id']}"


@pytest.mark.parametrize("url", ["pakar.example.id", "ftp://pakar.example.id", "https://", "https://a.id/?x=1"])
def test_a_public_url_that_is_no_http_address_stops_the_start(app_factory, url):
    with pytest.raises(StartupError, match="PUBLIC_URL must be an http"):
        app_factory(PUBLIC_URL=url)


@pytest.mark.parametrize("host, status", [("pakar.example.id", 201), ("evil.example", 400)])
def test_trusted_hosts_refuses_other_hosts(app_factory, host, status):
    client = app_factory(TRUSTED_HOSTS=["pakar.example.id"]).test_client()
    response = client.post(API, json=DIAGNOSIS, headers={"Host": host})
    assert response.status_code == status
    if status == 400:
        assert response.get_json()["error"]["code"] == "bad_request"
        assert client.get("/", headers={"Host": host}).status_code == 400
