"""`make run`, the README's first command (#24 item 18): the demo serves the service's own
error pages with its static files, on the port asked for, and its output is the server's,
not a line per Celery task or a broker warning."""

import json
import logging
import os
import shlex
import shutil
import subprocess
import sys
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from tests.conftest import skip_or_fail


def _make_run(*arguments: str) -> list[str]:
    """The commands `make run` would run (make -n prints them without running anything)."""
    make = shutil.which("make")
    if make is None:
        skip_or_fail("make is needed to read the Makefile's run target")
    result = subprocess.run(
        [make, "-n", "run", *arguments],
        cwd=settings.BASE_DIR,
        env={k: v for k, v in os.environ.items() if k not in {"DEBUG", "SITE_URL", "PORT"}},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def _runserver_line(lines: list[str]) -> str:
    (line,) = [line for line in lines if "manage.py runserver" in line]
    return line


def _environment_of(line: str) -> dict[str, str]:
    """The NAME=value settings a command line of the Makefile starts with."""
    environment = {}
    for word in shlex.split(line):
        name, equals, value = word.partition("=")
        if not equals or not name.isidentifier():
            break
        environment[name] = value
    return environment


def test_make_run_serves_on_the_port_asked_for():
    line = _runserver_line(_make_run("PORT=8001"))
    assert line.endswith("manage.py runserver 127.0.0.1:8001")
    assert _environment_of(line)["SITE_URL"] == "http://127.0.0.1:8001"


def test_make_run_serves_on_port_8000_by_default():
    assert _runserver_line(_make_run()).endswith("manage.py runserver 127.0.0.1:8000")


def test_every_command_of_the_demo_runs_with_debug_off():
    lines = [line for line in _make_run() if "manage.py" in line or "celery -A" in line]
    assert len(lines) >= 3  # migrate, load_demo_data, runserver (and the worker's line)
    for line in lines:
        assert "DEBUG=false" in line, line


# What the demo's server answers, in the demo's own environment: the Makefile's settings,
# no DATABASE_URL or REDIS_URL (SQLite and in-process tasks, as on a fresh machine).
DEMO_REQUESTS = """
import json
import django
django.setup()
from django.conf import settings
from django.test import Client
client = Client(HTTP_HOST="127.0.0.1")
missing = client.get("/no-such-page/")
stylesheet = client.get("/static/css/app.css")
print(json.dumps({
    "debug": settings.DEBUG,
    "missing": [missing.status_code, missing.content.decode()],
    "stylesheet": [stylesheet.status_code, b"".join(stylesheet.streaming_content)[:200].decode()],
}))
"""


def _demo_environment(tmp_path) -> dict[str, str]:
    environment = {
        k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DEBUG"}
    }
    environment.update(_environment_of(_runserver_line(_make_run())))
    environment.update(
        DJANGO_SETTINGS_MODULE="sentinel.settings", SENTINEL_VAR_DIR=str(tmp_path / "var")
    )
    return environment


def test_the_demo_answers_an_unknown_address_with_the_services_own_page(tmp_path):
    if not (settings.BASE_DIR / "frontend" / "build" / "css" / "app.css").exists():
        skip_or_fail("the stylesheet is built by `make install` (npm run build)")
    result = subprocess.run(
        [sys.executable, "-c", DEMO_REQUESTS],
        cwd=settings.BASE_DIR,
        env=_demo_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    answers = json.loads(result.stdout.splitlines()[-1])

    assert answers["debug"] is False
    status, page = answers["missing"]
    assert status == 404
    assert "<title>Page not found" in page
    assert "If you typed the web address, check it is correct." in page
    # Not Django's technical page, which lists every URL pattern of the service.
    assert "Using the URLconf" not in page
    assert "api/v1/" not in page
    # The service's styles are served with DEBUG off (WhiteNoise).
    status, stylesheet = answers["stylesheet"]
    assert status == 200
    assert stylesheet.strip()


def test_tasks_run_in_the_demos_process_print_nothing_when_they_succeed(tmp_path):
    """Without REDIS_URL tasks run where they are queued: no broker warning, no line per
    task (a failed task would still be logged)."""
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from sentinel.celery import app; "
            "print(app.tasks['celery.backend_cleanup'].delay().status)",
        ],
        cwd=settings.BASE_DIR,
        env=_demo_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "SUCCESS"
    assert result.stderr == ""


@pytest.mark.django_db
def test_loading_the_demo_prints_no_celery_task_lines(
    capsys, caplog, django_capture_on_commit_callbacks
):
    """The load's alerts queue their e-mails when its transactions commit; here the test's
    transaction never does, so the queued callbacks are run as a commit would run them."""
    caplog.set_level(logging.DEBUG)
    out, err = StringIO(), StringIO()

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        call_command("load_demo_data", incidents=20, stdout=out, stderr=err)

    assert callbacks  # the e-mails' tasks did run, in this process
    captured = capsys.readouterr()
    printed = "\n".join([out.getvalue(), err.getvalue(), captured.out, captured.err, caplog.text])
    assert "Loaded 12 organisations" in out.getvalue()
    assert "Task incidents.tasks" not in printed
    assert " succeeded in " not in printed
