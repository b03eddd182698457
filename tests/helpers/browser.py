"""A browser for the web app's sign-in: the Flask test client over https, sending a Referer
as a browser does (Flask-WTF's strict https check), from one client address."""

from __future__ import annotations

import re

BASE = "https://oncall.example.com"  # the settings fixture's PUBLIC_BASE_URL (https)
TOKEN_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    def __init__(self, app, address="10.0.0.1"):
        self.client = app.test_client()
        self.address = address

    def get(self, path, **kw):
        return self.client.get(path, base_url=BASE, environ_base=self._env(), **kw)

    def post(self, path, data=None, **kw):
        headers = {"Referer": f"{BASE}/login"} | kw.pop("headers", {})
        return self.client.post(
            path, base_url=BASE, data=data, headers=headers, environ_base=self._env(), **kw
        )

    def csrf(self, path="/login") -> str:
        return TOKEN_FIELD.search(self.get(path).get_data(as_text=True))[1]

    def login(self, username, password, *, token=True):
        data = {"username": username, "password": password}
        if token:
            data["csrf_token"] = self.csrf()
        return self.post("/login", data)

    def whoami(self, **kw):
        return self.get("/test-whoami", **kw).get_json()["user"]

    def _env(self):
        return {"REMOTE_ADDR": self.address}
