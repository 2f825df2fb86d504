"""The OpenAPI schema validates, and the docs page works under the Content-Security-Policy
with files served by the app itself."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_the_schema_validates_without_warnings(tmp_path):
    # --validate checks it against the OpenAPI 3 JSON schema; --fail-on-warn refuses anything
    # drf-spectacular had to guess.
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    text = target.read_text()
    for path in ["/api/v1/recommendations/", "/api/v1/meetings/{id}/", "/api/v1/reviews/{slug}/"]:
        assert f"{path}:" in text
    assert "tokenAuth" in text and "bearer" in text


def test_the_docs_page_has_no_inline_script_or_style_and_its_files_are_ours(client):
    page = client.get("/api/v1/docs/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<style" not in html
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts and all("src=" in attributes for attributes in scripts)
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert all(source.startswith("/") for source in sources), sources
    for source in sources:
        assert client.get(source).status_code == 200, source
    script = client.get("/api/v1/docs/?script=")
    assert "/api/v1/schema/" in script.content.decode()
    csp = page["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
