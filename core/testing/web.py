"""Test clients for the HTTP API and the console of a test application."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient

from guanxi.app import App
from guanxi.services.credentials import issue_token, set_password
from guanxi.services.staff import add_member, add_staff, add_team, get_staff, grant_role

PASSWORD = "test-password"
_CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


@dataclass
class GuanxiWeb:
    """The web application of one test app, and clients acting as staff users.

    ``api(username, role=...)`` is a client whose requests carry an API token of that
    user (made, with the role, on first use); ``console(username, role=...)`` a client
    logged in to the console, whose ``csrf`` attribute holds the form token of its
    session. ``anonymous()`` carries nothing.
    """

    app: App
    web: Any = None
    _clients: list[TestClient] = field(default_factory=list)

    def __post_init__(self) -> None:
        from guanxi.web import create_web_app

        self.web = create_web_app(self.app)

    def staff(self, username: str, *, role: str | None = "admin", team: str | None = None,
              lead: bool = False) -> str:
        """Make sure a staff user exists (with ``role``, in ``team``); his username."""
        with self.app.transaction() as uow:
            try:
                get_staff(uow, username)
                return username
            except Exception:
                pass
        with self.app.transaction() as uow:
            add_staff(uow, username=username, display_name=username.title())
            if role is not None:
                grant_role(uow, staff=username, role=role)
            if team is not None:
                from guanxi.errors import NotFoundError
                from guanxi.services.staff import get_team

                try:
                    get_team(uow, team)
                except NotFoundError:
                    add_team(uow, name=team)
                add_member(uow, team=team, staff=username, lead=lead)
            set_password(uow, username, PASSWORD)
        return username

    def anonymous(self) -> TestClient:
        """A client without credentials."""
        client = TestClient(self.web, raise_server_exceptions=True)
        self._clients.append(client)
        return client

    def api(self, username: str = "admin", **staff: Any) -> TestClient:
        """A client with an API token of ``username`` (created with ``staff`` options)."""
        self.staff(username, **staff)
        with self.app.transaction() as uow:
            secret = issue_token(uow, username, name="test").secret
        client = self.anonymous()
        client.headers["Authorization"] = f"Bearer {secret}"
        return client

    def console(self, username: str = "admin", **staff: Any) -> TestClient:
        """A client logged in to the console as ``username``; ``client.csrf`` is set."""
        self.staff(username, **staff)
        client = self.anonymous()
        response = client.post("/login", data={"username": username, "password": PASSWORD})
        assert response.status_code == 200, response.text
        found = _CSRF.search(client.get("/").text)
        assert found is not None, "the home page has no CSRF token"
        client.csrf = found.group(1)
        return client

    def close(self) -> None:
        """Close every client."""
        for client in self._clients:
            client.close()
