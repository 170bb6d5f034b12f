"""Production settings refuse unsafe values and pass Django's deployment checklist."""

import os
import subprocess
import sys

from django.conf import settings

STRONG_KEY = "k" * 20 + "-a-long-random-looking-production-secret-for-tests-0123456789"


def _manage(*args, **env):
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "SECRET_KEY"}}
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_passes_check_deploy():
    result = _manage(
        "check", "--deploy", "--fail-level", "WARNING",
        SENTINEL_ENV="production", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS="asb.example.org",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr + result.stdout


def test_production_refuses_the_default_secret_key():
    result = _manage("check", SENTINEL_ENV="production")
    assert result.returncode != 0
    assert "Production needs SECRET_KEY" in result.stderr


def test_production_refuses_debug():
    result = _manage("check", SENTINEL_ENV="production", SECRET_KEY=STRONG_KEY, DEBUG="true")
    assert result.returncode != 0
    assert "refuses to run with DEBUG on" in result.stderr


def test_a_misspelt_boolean_stops_start_up():
    result = _manage("check", DEBUG="ture")
    assert result.returncode != 0
    assert "DEBUG='ture' is not a boolean" in result.stderr


def test_production_refuses_the_compose_files_published_key():
    compose = (settings.BASE_DIR / "docker-compose.yml").read_text()
    published = compose.split("SECRET_KEY: ${SECRET_KEY:-", 1)[1].split("}", 1)[0]
    result = _manage("check", SENTINEL_ENV="production", SECRET_KEY=published)
    assert result.returncode != 0
    assert "Production needs SECRET_KEY" in result.stderr


def test_production_refuses_a_key_of_one_repeated_character():
    result = _manage("check", SENTINEL_ENV="production", SECRET_KEY="a" * 64)
    assert result.returncode != 0
    assert "Production needs SECRET_KEY" in result.stderr


def test_production_refuses_any_host():
    for hosts in ("*", "asb.example.org,*", ""):
        result = _manage(
            "check", SENTINEL_ENV="production", SECRET_KEY=STRONG_KEY, ALLOWED_HOSTS=hosts
        )
        assert result.returncode != 0, hosts
        assert "Production needs ALLOWED_HOSTS" in result.stderr
