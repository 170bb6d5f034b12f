"""Read settings from the environment, failing loudly on a value that makes no sense.

Healthchecks' envbool/envint idea: a typo in a deployment's environment should stop the
process at start-up, not quietly fall back to a default.
"""

import os

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={raw!r} is not a boolean (use true or false)")


def env_int(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={raw!r} is not a whole number") from None


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


# Secret keys written in this repository (the development default, the compose file's trial
# default): public, so never a production key.
PUBLISHED_SECRET_KEYS = {
    "dev-only-insecure-secret-key-never-use-in-production",
    "change-me-this-is-only-for-a-local-trial-of-the-compose-file",
}


def production_problems(*, secret_key: str, allowed_hosts: list[str], debug: bool) -> list[str]:
    """What makes these settings unsafe to run in production (empty when none): a published,
    short or low-variety secret key, DEBUG on, or hosts that accept any Host header."""
    problems = []
    if (
        secret_key in PUBLISHED_SECRET_KEYS
        or secret_key.startswith("django-insecure")
        or len(secret_key) < 50
        or len(set(secret_key)) < 5
    ):
        problems.append(
            "Production needs SECRET_KEY: 50+ random characters, not a key published in the "
            "repository or the compose file."
        )
    if debug:
        problems.append("Production refuses to run with DEBUG on.")
    if not allowed_hosts or any("*" in host for host in allowed_hosts):
        problems.append(
            "Production needs ALLOWED_HOSTS: the service's own host names, never a wildcard."
        )
    return problems
