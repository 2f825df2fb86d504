import os
import runpy
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

ROOT = Path(__file__).resolve().parents[2]


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    base = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _manage(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="tracker.example.org",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    result = _manage("check", ALLOWED_HOSTS="tracker.example.org")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_malformed_boolean_fails_loudly():
    result = _manage("check", DEBUG="maybe")
    assert result.returncode != 0
    assert "DEBUG must be true or false" in result.stderr


@pytest.mark.parametrize("value", ["-5", "20", "ten"])
def test_a_niceness_the_worker_cannot_use_fails_loudly(value):
    result = _manage("check", DEBUG="true", PDF_WORKER_NICENESS=value)
    assert result.returncode != 0
    assert "PDF_WORKER_NICENESS" in result.stderr


@pytest.mark.django_db
def test_demo_users_are_never_created_with_debug_off(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="only created when DEBUG is on"):
        call_command("create_demo_users")


@pytest.mark.django_db
def test_demo_users_get_their_roles(settings):
    from django.contrib.auth.models import User

    settings.DEBUG = True
    call_command("create_demo_users")
    roles = {u.username: [g.name for g in u.groups.all()] for u in User.objects.all()}
    assert roles == {
        "officer": ["Scrutiny officers"],
        "member": ["Commission members"],
        "clerk": ["Clerks"],
        "lead": ["Leads"],
        "admin": [],
    }
    admin = User.objects.get(username="admin")
    assert admin.is_superuser and admin.check_password("tracker-demo")
    member = User.objects.get(username="member")
    assert member.has_perm("recommendations.view_recommendation")
    assert not member.has_perm("recommendations.change_recommendation")


@pytest.mark.django_db
def test_the_demo_lead_is_linked_to_the_person_leading_most_of_hackney(settings, demo_data):
    from recommendations.models import Person

    settings.DEBUG = True
    call_command("create_demo_users")
    call_command("create_demo_users")  # again: the same link, nothing new
    person = Person.objects.get(user__username="lead")
    assert person.email == "lead@example.org"
    led = person.leads.filter(recommendation__review__slug="hackney-school-exclusions").count()
    assert led >= 2
    assert person.history.filter(user__username="lead").count() == 1


def test_pages_send_a_content_security_policy(client, member):
    client.force_login(member)
    policy = client.get("/reviews/")["Content-Security-Policy"]
    for directive in ["default-src 'self'", "object-src 'none'", "base-uri 'none'",
                      "frame-ancestors 'none'"]:  # fmt: skip
        assert directive in policy


def test_gunicorn_lets_the_longest_in_request_pdf_finish_on_a_graceful_restart(monkeypatch):
    config = ROOT / "gunicorn.conf.py"
    for seconds in ("50", "90"):
        monkeypatch.setenv("PDF_RENDER_TIMEOUT", seconds)
        values = runpy.run_path(str(config))
        assert values["graceful_timeout"] > int(seconds)


def test_the_wsgi_application_freezes_what_start_up_loaded_and_collects_less_often():
    # Loaded by gunicorn's workers: everything start-up makes is out of the garbage
    # collector's reach, the URLs (every view, form and table) included.
    probe = (
        "import gc, sys; import exclusions_tracker.wsgi; "
        "print(gc.get_freeze_count(), 'reports.views.recommendations' in sys.modules, "
        "len(gc.get_objects()), ','.join(map(str, gc.get_threshold())))"
    )
    env = {"SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "tracker.example.org"}
    result = subprocess.run(
        [sys.executable, "-c", probe],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    frozen, urls_loaded, tracked, thresholds = result.stdout.split()
    assert urls_loaded == "True"
    assert int(frozen) > 50_000 and int(tracked) < int(frozen) / 10
    assert thresholds == "50000,20,100"  # collections rarer than Python's (700, 10, 10)
