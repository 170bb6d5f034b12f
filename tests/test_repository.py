"""The repository stands on its own: nothing in the code, templates or docs points to
documents that are not in it (a planning folder, source agreements cited by file number).
What a newcomer needs is in docs/ (docs/requirements.md explains the requirement codes)."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SKIPPED = {".venv", "node_modules", "var", ".git", "build", "__pycache__"}
SUFFIXES = {".py", ".md", ".html", ".txt", ".yml", ".yaml", ".toml", ".cfg", ".scss", ".js"}
# Written in pieces so that this file does not match itself.
OUTSIDE = re.compile(
    "|".join(
        [
            r"\bshared" + "/",
            r"\bseeds?" + r"\s+\d{3}",
            r"\bseeds" + "/",
            "ACCESS" + "-MATRIX",
            "CONVEN" + r"TIONS\.md",
        ]
    ),
    re.IGNORECASE,
)


def _files():
    for path in ROOT.rglob("*"):
        if set(path.relative_to(ROOT).parts) & SKIPPED or not path.is_file():
            continue
        if path.suffix in SUFFIXES or path.name in {"Makefile", "Dockerfile"}:
            yield path


def test_nothing_points_outside_the_repository():
    found = [
        f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
        for path in _files()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert found == []


def test_the_check_would_see_a_reference():
    assert OUTSIDE.search("see " + "shared" + "/SPEC.md")
    assert OUTSIDE.search("(seed " + "000 s3.5)")


def test_the_documents_a_newcomer_needs_are_there():
    for name in ("README.md", "CONTRIBUTING.md", "docs/architecture.md", "docs/requirements.md"):
        assert (ROOT / name).is_file(), name
