"""GET /api/v1/dev/mails: the development mailbox, in development only."""

from __future__ import annotations

from pathlib import Path

import pytest

from laskutin.core.settings import Settings
from laskutin.delivery.dev_mailbox import mailbox_dir, store_message
from tests.api.conftest import NO_DATABASE, build_test_app, serve
from tests.unit.test_dev_mailbox import SENDER, caught

MAILS = "/api/v1/dev/mails"


def _settings(env: str, data_dir: Path) -> Settings:
    secret = "s" * 40 if env == "production" else None  # production refuses the default
    return Settings(  # type: ignore[call-arg]
        _env_file=None,
        env=env,
        database_url=NO_DATABASE,
        data_dir=data_dir,
        secret_key=secret,
        log_format="text",
    )


async def test_lists_the_caught_mails_newest_first(tmp_path: Path) -> None:
    folder = mailbox_dir(tmp_path)
    first = store_message(folder, caught("Ensimmäinen", "Hei Anna,\nhttp://x.example/a\n"))
    second = store_message(folder, caught("Toinen – Åbo", to="bertta@example.fi"))

    async with serve(build_test_app(_settings("development", tmp_path))) as http:
        response = await http.get(MAILS)
        limited = await http.get(MAILS, params={"limit": 1})
        too_many = await http.get(MAILS, params={"limit": 201})

    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [item["id"] for item in items] == [second.stem, first.stem]
    assert items[1]["from"] == SENDER
    assert items[1]["to"] == ["anna@example.fi"]
    assert items[1]["subject"] == "Ensimmäinen"
    assert items[1]["text"] == "Hei Anna,\nhttp://x.example/a\n"
    assert items[1]["date"]
    assert [item["id"] for item in limited.json()["items"]] == [second.stem]
    assert too_many.status_code == 422


async def test_an_empty_mailbox(tmp_path: Path) -> None:
    async with serve(build_test_app(_settings("development", tmp_path))) as http:
        response = await http.get(MAILS)
    assert response.status_code == 200
    assert response.json() == {"items": []}


@pytest.mark.parametrize("env", ["test", "production"])
async def test_not_found_outside_development(tmp_path: Path, env: str) -> None:
    store_message(mailbox_dir(tmp_path), caught("Salainen"))
    async with serve(build_test_app(_settings(env, tmp_path))) as http:
        response = await http.get(MAILS)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "/problems/not-found"
    assert "Salainen" not in response.text
