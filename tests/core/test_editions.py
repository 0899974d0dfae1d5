"""Editions: discovery, the file format, custom fields as data, deterministic demo data."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from guanxi.app import App
from guanxi.demo import generate_demo
from guanxi.editions import discover_editions, load_edition
from guanxi.errors import EditionError, ValidationError
from guanxi.models import Customer, ExternalIdentity, Interaction, Task, Team
from guanxi.services.customers import add_customer
from tests.conftest import bare_app

CLINIC = """
name = "clinic"
title = "Small clinic"
description = "An integrator's own edition, kept outside guanxi"
version = "1.2.0"

[settings.core]
timezone = "Asia/Shanghai"
roles = ["patient", "family", "doctor"]
lifecycle_stages = ["registered", "in_treatment", "follow_up", "discharged"]
default_stage = "registered"

[terminology]
customer = { zh = "患者", en = "patient" }

[[custom_fields]]
name = "blood_type"
type = "str"
choices = ["A", "B", "AB", "O"]

[[custom_fields]]
name = "allergies"
type = "list"

[demo]
seed = 7
staff = 3
teams = 1
customers = 20
organizations = 2
interactions = 100
"""


@pytest.fixture
def clinic(tmp_path: Path) -> Path:
    folder = tmp_path / "outside" / "clinic"
    folder.mkdir(parents=True)
    (folder / "edition.toml").write_text(textwrap.dedent(CLINIC), encoding="utf-8")
    return folder


def test_builtin_generic_edition_is_found_through_its_entry_point() -> None:
    assert "generic" in discover_editions()
    generic = load_edition("generic")
    assert generic.settings["core"]["timezone"] == "Asia/Shanghai"


def test_edition_from_a_folder_outside_the_repository(make_app, clinic: Path) -> None:  # type: ignore[no-untyped-def]
    app: App = make_app(edition=str(clinic))
    assert app.edition.name == "clinic"
    assert (
        app.edition.term("customer") == "患者" and app.edition.term("customer", "en") == "patient"
    )
    assert app.settings.roles == ["patient", "family", "doctor"]
    with app.transaction() as uow:
        patient = add_customer(
            uow,
            name="张三",
            roles=["patient"],
            custom={"blood_type": "AB", "allergies": ["青霉素"]},
        )
        assert patient.lifecycle_stage == "registered"
        with pytest.raises(ValidationError, match="custom.blood_type"):
            add_customer(uow, name="李四", roles=["patient"], custom={"blood_type": "C"})
        # No role given: the edition's first, not the generic "customer".
        assert add_customer(uow, name="王五").roles == ("patient",)
        with pytest.raises(ValidationError, match="unknown role 'customer'"):
            add_customer(uow, name="赵六", roles=["customer"])


def test_edition_path_environment(clinic: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUANXI_EDITION_PATH", str(clinic.parent))
    assert discover_editions()["clinic"] == clinic
    assert load_edition("clinic").version == "1.2.0"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('title = "x"\nversion = "1"\n', "'name' is required"),
        ('name = "Bad Name"\ntitle = "x"\nversion = "1"\n', "must be lower-case"),
        ('name = "x"\ntitle = "x"\nversion = "1"\n[plugins]\nsales = 1\n', "version ranges"),
        (
            'name = "x"\ntitle = "x"\nversion = "1"\n'
            '[[custom_fields]]\nname = "f"\ntype = "blob"\n',
            "unknown type 'blob'",
        ),
        ('name = "x"\ntitle = "x"\nversion = "1"\n[demo]\nsize = 3\n', "[demo]"),
        ('name = "x"\ntitle = \n', "edition.toml"),
    ],
)
def test_bad_edition_files(tmp_path: Path, text: str, message: str) -> None:
    (tmp_path / "edition.toml").write_text(text, encoding="utf-8")
    with pytest.raises(EditionError) as info:
        load_edition(str(tmp_path))
    assert message in str(info.value)


def test_unknown_edition_lists_the_known_ones(tmp_path: Path) -> None:
    with pytest.raises(EditionError, match=r"edition 'nosuch' not found \(known: .*generic"):
        bare_app(tmp_path, edition="nosuch", environ={})


def _snapshot(app: App) -> tuple:
    with app.engine.connect() as connection:
        names = connection.execute(select(Customer.name).order_by(Customer.id)).scalars().all()
        kinds = connection.execute(
            select(Interaction.kind, func.count())
            .group_by(Interaction.kind)
            .order_by(Interaction.kind)
        ).all()
        revenue = connection.execute(select(func.sum(Interaction.revenue))).scalar_one()
    return names, kinds, revenue


def test_demo_data_is_deterministic(tmp_path: Path, make_app, clinic: Path) -> None:  # type: ignore[no-untyped-def]
    from guanxi.db.migrate import upgrade

    first = make_app(entry_points=True)  # the whole generic edition, its plugins too
    summary = generate_demo(first)
    assert summary == {
        "staff": 8,
        "organizations": 40,
        "people": 300,
        "interactions": 3000,
        "tasks": 30,
    }
    other_dir = tmp_path / "again"
    other_dir.mkdir()
    second = bare_app(
        other_dir,
        entry_points=True,
        environ={},
        settings={"core": {"database_url": f"sqlite:///{other_dir / 'g.db'}"}},
    )
    upgrade(second)
    generate_demo(second)
    assert _snapshot(first) == _snapshot(second)
    second.close()


def test_edition_templates_override_plugin_templates(
    make_app, tmp_path: Path, clinic: Path
) -> None:  # type: ignore[no-untyped-def]
    import guanxi

    plugin_templates = tmp_path / "plugin_templates" / "cards"
    plugin_templates.mkdir(parents=True)
    (plugin_templates / "birthday.txt").write_text("Happy birthday, {{ name }}!", encoding="utf-8")
    (plugin_templates / "visit.html").write_text("<p>{{ note }}</p>", encoding="utf-8")
    edition_templates = clinic / "templates" / "cards"
    edition_templates.mkdir(parents=True)
    (edition_templates / "birthday.txt").write_text(
        "{{ name }}{{ term('customer') }}，生日快乐！", encoding="utf-8"
    )

    class Cards:
        plugin = guanxi.Plugin(name="cards", version="1.0")

        @staticmethod
        @guanxi.hookimpl
        def register_templates(register):  # type: ignore[no-untyped-def]
            register(tmp_path / "plugin_templates")

    app = make_app(edition=str(clinic), plugins=[Cards], enable=["cards"], migrate=False)
    assert app.render("cards/birthday.txt", name="张三") == "张三患者，生日快乐！"
    assert app.render("cards/visit.html", note="<b>x</b>") == "<p>&lt;b&gt;x&lt;/b&gt;</p>"


def test_demo_vocabulary_replaces_the_generic_words(make_app, clinic: Path) -> None:  # type: ignore[no-untyped-def]
    text = (clinic / "edition.toml").read_text(encoding="utf-8")
    (clinic / "edition.toml").write_text(
        text
        + textwrap.dedent("""
            [demo.vocabulary]
            teams = [["门诊部", "Outpatient"]]
            products = [{ sku = "REG-01", name = "专家门诊挂号", price = 50 }]
            purchase_subject = "就诊缴费"
            purchase_share = 0.5
            contact_subjects = ["复诊提醒"]
            notes = ["患者偏好上午就诊"]
            identity_source = "his"
            task_title = "复诊随访"
            """),
        encoding="utf-8",
    )
    app = make_app(edition=str(clinic))
    generate_demo(app)
    with app.engine.connect() as connection:
        subjects = dict(
            connection.execute(
                select(Interaction.subject, func.count()).group_by(Interaction.subject)
            ).all()
        )
        teams = connection.execute(select(Team.name)).scalars().all()
        sources = connection.execute(select(ExternalIdentity.source).distinct()).scalars().all()
        titles = connection.execute(select(Task.title).distinct()).scalars().all()
    purchases = subjects.pop("就诊缴费")
    contacts = subjects.pop("复诊提醒")
    notes = subjects.pop(None, 0)  # notes carry no subject
    assert subjects == {} and purchases + contacts + notes == 100
    # Half purchases, give or take what 100 draws allow.
    assert 35 <= purchases <= 65 and contacts > notes
    assert teams == ["门诊部"] and sources == ["his"] and titles == ["复诊随访"]


def test_unknown_vocabulary_key_names_the_table(tmp_path: Path) -> None:
    (tmp_path / "edition.toml").write_text(
        'name = "x"\ntitle = "x"\nversion = "1"\n[demo.vocabulary]\nwords = ["a"]\n',
        encoding="utf-8",
    )
    with pytest.raises(EditionError, match=r"\[demo.vocabulary\].*words"):
        load_edition(str(tmp_path))
