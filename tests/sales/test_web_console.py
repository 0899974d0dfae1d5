"""The sales console: the pipeline board (/sales/pipeline) and the opportunity page.

The same world as test_web.py: wang and li agents of team east, zhao of team north, zhou
a viewer. Runs on SQLite and, with ``GUANXI_TEST_POSTGRES_URL``, on PostgreSQL.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.sales import test_web as shared

# The API tests' fixtures, used here by name.
guanxi_settings = shared.guanxi_settings
world = shared.world
state = shared.state


def column(page: str, stage: str) -> str:
    """The HTML of one board column."""
    found = re.search(rf'data-testid="stage-{stage}">(.*?)</section>', page, re.S)
    assert found is not None, f"no column {stage}"
    return found.group(1)


def cards(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'data-testid="opportunity-(\d+)"', html)]


def total(html: str, stage: str) -> str:
    found = re.search(rf'data-testid="total-{stage}">(.*?)</p>', html, re.S)
    assert found is not None
    return re.sub(r"<[^>]+>", "", found.group(1))


def test_the_board_shows_a_column_per_open_stage_with_cards_and_totals(guanxi_web,
                                                                        world) -> None:
    client = guanxi_web.console("wang")
    page = client.get("/sales/pipeline?lang=en")
    assert page.status_code == 200, page.text
    html = page.text
    stages = re.findall(r'data-testid="stage-([a-z_]+)"', html)
    assert stages == ["qualification", "needs_analysis", "proposal", "negotiation"]
    assert cards(column(html, "qualification")) == [world["wang_opp"]]
    assert cards(column(html, "proposal")) == [world["li_opp"]]  # his team's
    assert world["zhao_opp"] not in cards(html) and world["zhou_opp"] not in cards(html)
    assert total(html, "qualification") == "1 open · 1,200.50 CNY"
    assert total(html, "needs_analysis") == "0 open"
    card = column(html, "qualification")
    assert f'href="/customers/{world["wang_account"]}">恒通机械</a>' in card
    assert "1,200.50 CNY" in card and "wang" in card
    assert f'data-testid="move-{world["wang_opp"]}"' in card and 'name="stage"' in card
    # Moving from the board offers the other open stages and won (lost needs a reason).
    options = re.findall(r'<option value="([a-z_]+)"', card)
    assert options == ["needs_analysis", "proposal", "negotiation", "won"]

    mine = client.get("/sales/pipeline", params={"scope": "mine"}).text
    assert cards(mine) == [world["wang_opp"]]
    team = client.get("/sales/pipeline", params={"scope": "team"}).text
    assert sorted(cards(team)) == sorted([world["wang_opp"], world["li_opp"]])
    assert cards(guanxi_web.console("zhao").get("/sales/pipeline").text) == [world["zhao_opp"]]
    assert client.get("/sales/pipeline", params={"scope": "everyone"}).status_code == 422
    assert client.get("/sales/pipeline", params={"pipeline": "nope"}).status_code == 422


def test_board_totals_are_per_currency(guanxi_web, guanxi_app, world) -> None:
    account = world["wang_account"]
    for amount, currency in [("300.00", "USD"), ("99.50", "CNY"), ("0.25", "USD")]:
        shared.open_opportunity(guanxi_app, account, f"{currency} {amount}", amount=amount,
                                currency=currency)
    html = guanxi_web.console("wang").get("/sales/pipeline?lang=en").text
    # 1,200.50 + 99.50 yuan and 300.25 dollars: never 1,600.25 of nothing.
    assert total(html, "qualification") == "4 open · 1,300.00 CNY · 300.25 USD"


def test_moving_a_card_with_the_board_form(guanxi_web, guanxi_app, world) -> None:
    client = guanxi_web.console("wang")
    opp = world["wang_opp"]
    url = f"/sales/opportunities/{opp}/stage"
    before = state(guanxi_app, opp)
    # Without the form token, to an unknown or closing-without-reason stage: refused.
    for data, status in [({"stage": "proposal"}, 422),
                         ({"stage": "closing", "csrf": client.csrf}, 422),
                         ({"stage": "lost", "csrf": client.csrf}, 422),
                         ({"csrf": client.csrf}, 422)]:
        response = client.post(url, data=data, follow_redirects=False)
        assert response.status_code == status, (data, response.text)
    assert state(guanxi_app, opp) == before

    moved = client.post(url, data={"stage": "proposal", "csrf": client.csrf,
                                   "next": "/sales/pipeline?scope=mine"}, follow_redirects=False)
    assert moved.status_code == 303 and moved.headers["location"] == "/sales/pipeline?scope=mine"
    assert state(guanxi_app, opp)[:2] == ("proposal", "open")
    board = client.get(moved.headers["location"]).text
    assert cards(column(board, "proposal")) == [opp]
    assert cards(column(board, "qualification")) == []

    # The redirect stays on the sales pages whatever "next" says.
    elsewhere = client.post(url, data={"stage": "negotiation", "csrf": client.csrf,
                                       "next": "https://evil.example/"}, follow_redirects=False)
    assert elsewhere.headers["location"] == f"/sales/opportunities/{opp}"


def test_the_opportunity_page_shows_history_and_loses_with_a_reason(guanxi_web, guanxi_app,
                                                                     world) -> None:
    client = guanxi_web.console("wang")
    opp = world["wang_opp"]
    client.post(f"/sales/opportunities/{opp}/stage",
                data={"stage": "needs_analysis", "csrf": client.csrf})
    page = client.get(f"/sales/opportunities/{opp}?lang=en")
    assert page.status_code == 200, page.text
    html = page.text
    assert "挖掘机" in html and "1,200.50 CNY" in html and "Stage history" in html
    history = re.search(r'data-testid="history">(.*?)</table>', html, re.S)
    assert history is not None
    assert re.findall(r"<td>(Qualification|Needs analysis)</td>", history.group(1)) == [
        "Qualification", "Qualification", "Needs analysis"]
    assert f'data-testid="move-{opp}"' in html and f'data-testid="lose-{opp}"' in html

    lost = client.post(f"/sales/opportunities/{opp}/stage", follow_redirects=False,
                       data={"stage": "lost", "reason": "price", "csrf": client.csrf,
                             "next": f"/sales/opportunities/{opp}"})
    assert lost.status_code == 303
    assert state(guanxi_app, opp)[:2] == ("lost", "lost")
    closed = client.get(f"/sales/opportunities/{opp}?lang=en").text
    assert 'data-testid="status">Lost · price' in closed
    assert f'data-testid="move-{opp}"' not in closed  # a closed one has no move form


def test_invisible_opportunities_are_not_found_in_the_console(guanxi_web, guanxi_app,
                                                              world) -> None:
    client = guanxi_web.console("wang")
    hidden = world["zhao_opp"]
    before = state(guanxi_app, hidden)
    assert client.get(f"/sales/opportunities/{hidden}").status_code == 404
    moved = client.post(f"/sales/opportunities/{hidden}/stage",
                        data={"stage": "proposal", "csrf": client.csrf})
    assert moved.status_code == 404
    assert state(guanxi_app, hidden) == before
    assert client.get("/sales/opportunities/0").status_code == 422
    assert client.get("/sales/opportunities/99999999999999999999").status_code == 422


def test_a_viewer_sees_no_move_forms_and_cannot_post_one(guanxi_web, guanxi_app, world) -> None:
    client = guanxi_web.console("zhou")
    mine = world["zhou_opp"]
    board = client.get("/sales/pipeline").text
    assert cards(board) == [mine]
    assert "data-testid=\"move-" not in board and 'name="stage"' not in board
    page = client.get(f"/sales/opportunities/{mine}").text
    assert f'data-testid="move-{mine}"' not in page and f'data-testid="lose-{mine}"' not in page
    before = state(guanxi_app, mine)
    refused = client.post(f"/sales/opportunities/{mine}/stage",
                          data={"stage": "proposal", "csrf": client.csrf})
    assert refused.status_code == 403
    assert state(guanxi_app, mine) == before


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_string_is_translated_and_the_menu_has_the_board(guanxi_web, world,
                                                              language: str) -> None:
    client = guanxi_web.console("wang")
    home = client.get(f"/?lang={language}").text
    label = {"zh": "销售漏斗", "en": "Pipeline"}[language]
    assert f'<a href="/sales/pipeline" class="">{label}</a>' in home
    pages: list[Any] = [client.get("/sales/pipeline").text,
                        client.get(f"/sales/opportunities/{world['wang_opp']}").text]
    for page in pages:
        assert f'<html lang="{language}">' in page
        # A missing message shows as its key: none may.
        assert not re.findall(r">[^<]*\bsales\.[a-z_.]+", page), language
    if language == "zh":
        assert "资格审查" in pages[0] and "阶段历史" in pages[1]
