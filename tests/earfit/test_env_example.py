""".env.example lists every variable earfit reads, with the default the code really has.

The settings' reads are recorded as they happen (every `env.*()` goes through
`environ.Env.get_value`), once per settings module, in a fresh interpreter; the few reads outside
the settings (`os.environ` in Django-free modules) are found in the source. A variable added,
renamed or given another default without the same change to .env.example fails here.
"""

import ast
import inspect
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from earfit.retention import DEFAULT_PHOTO_RETENTION_DAYS
from earfit.settings import DEFAULT_SETTINGS_MODULE
from inference.session import threads_from_env
from tests.production_env import production_environment

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / ".env.example"
PACKAGES = ("earfit", "accounts", "recommendations", "inference")
# The production processes' own configuration, read outside Django: gunicorn's (Python) and the
# container entrypoint's (shell, `${NAME:-default}`).
GUNICORN_CONF = ROOT / "gunicorn.conf.py"
ENTRYPOINT = ROOT / "docker" / "entrypoint"
# Read outside the settings, in modules that must not import Django, with their defaults.
OUTSIDE_SETTINGS = {
    "DJANGO_SETTINGS_MODULE": DEFAULT_SETTINGS_MODULE,
    "PHOTO_RETENTION_DAYS": str(DEFAULT_PHOTO_RETENTION_DAYS),
    "INFERENCE_THREADS": str(inspect.signature(threads_from_env).parameters["default"].default),
    "INFERENCE_MODEL_CARD": "",  # empty: the model this release ships
    "DATABASE_WAIT_SECONDS": "60",
    "LOG_LEVEL": "INFO",
    "PORT": "8000",
    "WEB_CONCURRENCY": "",  # empty: usable cores // INFERENCE_THREADS
    "WEB_THREADS": "2",
    "WORKER_CONCURRENCY": "",  # empty: the cores the worker may use
}
REQUIRED_MARK = "required in production"

_RECORDER = """
import importlib, json, sys
from pathlib import Path
import environ

root = str(Path.cwd()) + "/"
reads = {}
original = environ.Env.get_value

def text(value):
    if value is environ.Env.NOTSET:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return ",".join(str(item) for item in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).replace(root, "")

def recording(self, var, cast=None, default=environ.Env.NOTSET, parse_default=False):
    reads[var] = text(default)  # the last read is the one the module keeps
    return original(self, var, cast=cast, default=default, parse_default=parse_default)

environ.Env.get_value = recording
importlib.import_module(sys.argv[1])
print(json.dumps(reads))
"""


def settings_reads(module: str) -> dict[str, str | None]:
    """Each variable the settings module reads, with its default as .env text (None: required)."""
    # Production's required values (and a manifest), so that the module loads; their defaults are
    # what is recorded. The other modules get PATH alone.
    with production_environment(inherit=False) as production:
        env = production if module.endswith(".production") else {"PATH": production["PATH"]}
        result = subprocess.run(  # noqa: S603 -- this interpreter, with the recorder above
            [sys.executable, "-c", _RECORDER, module], cwd=ROOT, env=env, capture_output=True, text=True, check=False
        )
    assert result.returncode == 0, result.stderr
    reads: dict[str, str | None] = json.loads(result.stdout.strip().splitlines()[-1])
    return reads


def example() -> dict[str, tuple[str, str]]:
    """NAME -> (value, comment) for every `NAME=value  # comment` line of .env.example."""
    entries: dict[str, tuple[str, str]] = {}
    for line in EXAMPLE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, rest = line.partition("=")
        value, _, comment = rest.partition(" #")
        assert name not in entries, f"{name} is listed twice in .env.example"
        entries[name.strip()] = (value.strip(), comment.strip())
    return entries


def _name_read(node: ast.AST) -> str | None:
    """The variable name `node` reads from the environment, if it is such a read."""
    key: ast.AST | None = None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.args:
        getter = node.func.attr in {"get", "setdefault"} and "os.environ" in ast.unparse(node.func.value)
        if getter or node.func.attr == "getenv":
            key = node.args[0]
    elif isinstance(node, ast.Subscript) and ast.unparse(node.value) == "os.environ":
        key = node.slice
    return key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None


def environ_reads_in_source() -> set[str]:
    """Names read straight from the environment anywhere in the project's packages, gunicorn's
    configuration and the container entrypoint."""
    found: set[str] = set()
    sources = [path for package in PACKAGES for path in (ROOT / package).rglob("*.py")] + [GUNICORN_CONF]
    for path in sources:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            name = _name_read(node)
            if name is not None:
                found.add(name)
    found |= set(re.findall(r"\$\{([A-Z][A-Z0-9_]*):-", ENTRYPOINT.read_text(encoding="utf-8")))
    return found


@pytest.fixture(scope="module")
def reads() -> dict[str, dict[str, str | None]]:
    modules = ("earfit.settings.local", "earfit.settings.test", "earfit.settings.production")
    return {module.rsplit(".", 1)[1]: settings_reads(module) for module in modules}


def test_every_variable_read_is_listed_and_every_listed_one_is_read(reads: dict[str, dict[str, str | None]]) -> None:
    read = set().union(*(names for names in reads.values())) | environ_reads_in_source()
    listed = set(example())
    assert sorted(read - listed) == [], "read by earfit, missing from .env.example"
    assert sorted(listed - read) == [], "listed in .env.example, read by nothing"


def test_the_reads_outside_the_settings_are_the_known_ones() -> None:
    outside = environ_reads_in_source()
    assert outside == set(OUTSIDE_SETTINGS), "add a new direct environment read to OUTSIDE_SETTINGS (and .env.example)"


def test_each_default_in_the_example_is_the_codes_default(reads: dict[str, dict[str, str | None]]) -> None:
    listed = example()
    # What `make run` gets (local), then what only the tests or only production read.
    expected: dict[str, Any] = {**reads["production"], **reads["test"], **reads["local"], **OUTSIDE_SETTINGS}
    wrong = {
        name: {"example": listed.get(name, ("(missing)", ""))[0], "code": default}
        for name, default in expected.items()
        if default is not None and listed.get(name, ("(missing)", ""))[0] != default
    }
    assert wrong == {}


def test_what_production_requires_is_marked_so(reads: dict[str, dict[str, str | None]]) -> None:
    listed = example()
    required = sorted(name for name, default in reads["production"].items() if default is None)
    assert required == sorted(name for name, (_value, comment) in listed.items() if REQUIRED_MARK in comment)
    # Required in production and without a local default either: nothing to show but the name.
    assert all(listed[name][0] == "" for name in required if reads["local"].get(name, None) is None)


def test_production_overrides_are_named_in_the_example(reads: dict[str, dict[str, str | None]]) -> None:
    """Where production has its own default, the example's comment gives it."""
    listed = example()
    differing = {
        name: default
        for name, default in reads["production"].items()
        if default is not None and name in reads["local"] and reads["local"][name] != default
    }
    assert differing, "production keeps some defaults of its own (e.g. TRUSTED_PROXY_COUNT)"
    for name, default in differing.items():
        assert f"production: {default}" in listed[name][1], f"{name}: say `production: {default}` in its comment"
