"""API keys (REGULINT_API_KEYS) and the settings read from the environment."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from apihelpers import PRODUCT, stored_count
from fastapi.testclient import TestClient

from api.service.settings import DEFAULT_DATABASE_URL, Settings, SettingsError

KEYS = frozenset({"k-first-0123456789", "k-second-abcdef"})


def test_post_needs_a_valid_bearer_key_when_keys_are_set(make_app, caplog: pytest.LogCaptureFixture) -> None:  # noqa: ANN001
    with caplog.at_level(logging.DEBUG), TestClient(make_app(api_keys=KEYS)) as c:
        for headers in (
            {},
            {"Authorization": "Bearer wrong"},
            {"Authorization": "Basic k-first-0123456789"},
            {"Authorization": "Bearer "},
        ):
            r = c.post("/v1/evaluations", json=PRODUCT, headers=headers)
            assert r.status_code == 401, headers
            assert r.headers["content-type"] == "application/problem+json"
            assert r.headers["www-authenticate"].startswith("Bearer")
            assert "k-first" not in r.text
        r = c.post("/v1/evaluations/batch", json=[PRODUCT])
        assert r.status_code == 401
        assert stored_count(c.app) == 0
        for key in KEYS:
            r = c.post("/v1/evaluations", json=PRODUCT, headers={"Authorization": f"Bearer {key}"})
            assert r.status_code == 201
        assert (
            c.post(
                "/v1/evaluations/batch", json=[PRODUCT], headers={"Authorization": "bearer k-second-abcdef"}
            ).status_code
            == 201
        )
        # the history holds submitted documents: it needs a key; the catalog, seeds and health do not
        listed = c.get("/v1/evaluations")
        assert listed.status_code == 401 and listed.headers["content-type"] == "application/problem+json"
        key = {"Authorization": "Bearer k-first-0123456789"}
        page = c.get("/v1/evaluations", headers=key)
        assert page.status_code == 200 and page.json()["total"] == 3
        one = page.json()["items"][0]["id"]
        assert c.get(f"/v1/evaluations/{one}").status_code == 401
        assert c.get(f"/v1/evaluations/{one}", headers=key).status_code == 200
        assert c.get(f"/v1/evaluations/{one}", headers={"Authorization": "Bearer wrong"}).status_code == 401
        for public in (
            "/v1/rules",
            "/v1/jurisdictions",
            "/v1/instruments",
            "/v1/seeds",
            "/healthz",
            "/",
            "/openapi.json",
        ):
            assert c.get(public).status_code == 200, public
        assert c.head("/healthz").status_code == 200
        schema = c.get("/openapi.json").json()
        assert schema["components"]["securitySchemes"]["bearer"]["scheme"] == "bearer"
        assert schema["paths"]["/v1/evaluations"]["post"]["security"] == [{"bearer": []}]
        assert schema["paths"]["/v1/evaluations"]["get"]["security"] == [{"bearer": []}]
        assert "security" not in schema["paths"]["/v1/rules"]["get"]
    assert not any("k-first" in rec.getMessage() or "k-second" in rec.getMessage() for rec in caplog.records)


def test_no_keys_means_open_posts_and_no_security_in_the_schema(client: TestClient) -> None:
    assert client.post("/v1/evaluations", json=PRODUCT).status_code == 201
    assert "securitySchemes" not in client.get("/openapi.json").json()["components"]


def test_settings_from_env() -> None:
    s = Settings.from_env({})
    assert s.database_url == DEFAULT_DATABASE_URL
    assert s.api_keys == frozenset() and not s.auth_required
    assert s.max_body_bytes == 1024 * 1024
    s = Settings.from_env(
        {
            "REGULINT_DATABASE_URL": "postgresql+psycopg://u@h/db",
            "REGULINT_API_KEYS": " key-a-0123456789abcdef , key-b-0123456789abcdef",
            "REGULINT_MAX_BODY_BYTES": "2048",
            "REGULINT_MAX_BATCH_ITEMS": "7",
            "REGULINT_SEEDS_DIR": "/tmp/seeds",
        }
    )
    assert s.database_url == "postgresql+psycopg://u@h/db"
    assert s.api_keys == frozenset({"key-a-0123456789abcdef", "key-b-0123456789abcdef"}) and s.auth_required
    assert (s.max_body_bytes, s.max_batch_items, s.seeds_dir) == (2048, 7, Path("/tmp/seeds"))
    for bad in ("0", "-1", "lots"):
        with pytest.raises(SettingsError, match="REGULINT_MAX_BODY_BYTES"):
            Settings.from_env({"REGULINT_MAX_BODY_BYTES": bad})


def test_settings_repr_hides_keys() -> None:
    assert "secret-key" not in repr(Settings(api_keys=frozenset({"secret-key"})))


@pytest.mark.parametrize(
    "env",
    [
        {"REGULINT_API_KEYS": " "},
        {"REGULINT_API_KEYS": ","},
        {"REGULINT_API_KEYS": "key-a-0123456789abcdef,,key-b-0123456789abcdef"},
        {"REGULINT_API_KEYS": "short"},
        {"REGULINT_API_KEYS": "has a space in it 0123456789"},
        {"REGULINT_READ_KEYS": "read-0123456789abcdef"},  # read keys without write keys
        {"REGULINT_API_KEYS": "same-0123456789abcdef", "REGULINT_READ_KEYS": "same-0123456789abcdef"},
        {"REGULINT_MAX_PRACTICES": "0"},
        {"REGULINT_BODY_TIMEOUT": "soon"},
    ],
)
def test_blank_or_malformed_settings_stop_start_up(env: dict[str, str]) -> None:
    with pytest.raises(SettingsError) as caught:
        Settings.from_env(env)
    assert next(iter(env)) in str(caught.value) or "REGULINT_" in str(caught.value)
    assert "0123456789" not in str(caught.value)  # a key is never echoed


def test_read_keys_read_the_history_but_cannot_post(make_app) -> None:  # noqa: ANN001
    settings = Settings.from_env(
        {"REGULINT_API_KEYS": "write-0123456789abcdef", "REGULINT_READ_KEYS": "read-0123456789abcdef"}
    )
    app = make_app(api_keys=settings.api_keys, read_keys=settings.read_keys)
    write = {"Authorization": "Bearer write-0123456789abcdef"}
    read = {"Authorization": "Bearer read-0123456789abcdef"}
    with TestClient(app) as c:
        denied = c.post("/v1/evaluations", json=PRODUCT, headers=read)
        assert denied.status_code == 403 and stored_count(app) == 0
        made = c.post("/v1/evaluations", json=PRODUCT, headers=write)
        assert made.status_code == 201
        assert c.get(made.headers["location"], headers=read).status_code == 200
        assert c.get("/v1/evaluations", headers=read).json()["total"] == 1
