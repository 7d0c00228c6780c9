"""The security gate's Python side (`make security` runs it after hadolint and the infra policy pack).

Each step prints one line with its verdict. A step whose advisory service cannot be reached
(pip-audit, npm audit) says so plainly, "NOT audited", instead of passing while auditing nothing;
it does not fail the gate, since that is the network's doing, not the code's. Every other finding
fails it. Run from the repository root: `python -m security.gate`.
"""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tests.production_env import production_environment

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
# The application's code: bandit's scope. Tests and benchmarks hold fixtures, not production paths.
APPLICATION = ["earfit", "accounts", "recommendations", "inference", "deploy", "security", "manage.py"]
REQUIREMENTS = ["requirements.txt", "requirements-inference.txt"]
BASELINE = ".secrets.baseline"
NOT_AUDITED: list[str] = []  # the steps whose advisory service did not answer


def _run(
    command: Sequence[str], *, cwd: Path = ROOT, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    # Our own tools with fixed arguments, never a shell.
    return subprocess.run(command, cwd=cwd, env=env, text=True, capture_output=True, check=False)  # noqa: S603  # nosec B603


def _report(name: str, ok: bool, detail: str, output: str = "") -> bool:
    print(f"{name}: {'ok' if ok else 'FAILED'} -- {detail}")
    if not ok and output:
        print(output.rstrip())
    return ok


def check_deploy() -> bool:
    """Django's deployment checklist under the production settings, warnings included."""
    with production_environment(DJANGO_SETTINGS_MODULE="earfit.settings.production") as env:
        result = _run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], env=env)
    return _report(
        "check --deploy",
        result.returncode == 0,
        result.stdout.strip().splitlines()[-1:][0] if result.stdout.strip() else "",
        result.stdout + result.stderr,
    )


def bandit() -> bool:
    """Medium and high findings fail; an accepted one carries `# nosec BXXX` with its reason."""
    result = _run([str(BIN / "bandit"), "-q", "-r", *APPLICATION, "--severity-level", "medium", "-f", "txt"])
    return _report(
        "bandit",
        result.returncode == 0,
        "no medium or high finding" if result.returncode == 0 else "findings",
        result.stdout + result.stderr,
    )


def ruff_security() -> bool:
    """ruff's flake8-bandit rules (S) over the whole tree; justified exceptions carry `noqa: Sxxx -- why`."""
    # S101 (assert) stays ignored as in pyproject.toml: a CLI --select would otherwise bring it back.
    result = _run([str(BIN / "ruff"), "check", "--select", "S", "--ignore", "S101", "--output-format", "concise", "."])
    return _report(
        "ruff S rules",
        result.returncode == 0,
        "clean" if result.returncode == 0 else "findings",
        result.stdout + result.stderr,
    )


def detect_secrets() -> bool:
    """Every tracked file against the committed baseline: a secret not in it (by file and hash,
    whatever line it moved to) fails. The hook rewrites line numbers in the baseline it is given,
    so it gets a copy; its exit 3 means only that the copy was rewritten."""
    files = [name for name in _run(["git", "ls-files"]).stdout.split() if name != BASELINE]  # its hashes are no secrets
    with tempfile.TemporaryDirectory() as scratch:
        baseline = Path(scratch) / "secrets.baseline"
        shutil.copy(ROOT / BASELINE, baseline)
        result = _run([str(BIN / "detect-secrets-hook"), "--baseline", str(baseline), *files])
    ok = result.returncode in (0, 3)
    detail = f"{len(files)} tracked files, nothing new against {BASELINE}" if ok else f"a secret not in {BASELINE}"
    return _report("detect-secrets", ok, detail, result.stdout + result.stderr)


def pip_audit() -> bool:
    """The pinned runtime requirements against PyPI's advisory data (the JSON API, as this
    machine reaches PyPI but no other advisory service)."""
    command = [str(BIN / "pip-audit"), "--vulnerability-service", "pypi", "--no-deps", "--disable-pip"]
    command += [arg for name in REQUIREMENTS for arg in ("-r", name)]
    result = _run([*command, "--format", "json", "--progress-spinner", "off"])
    try:
        dependencies = json.loads(result.stdout)["dependencies"]
    except (ValueError, KeyError):
        print("pip-audit: advisory service unreachable, NOT audited")
        NOT_AUDITED.append("pip-audit")
        print((result.stderr or result.stdout).strip()[-2000:])
        return True
    audited = [dep for dep in dependencies if "skip_reason" not in dep]
    vulnerable = [dep for dep in audited if dep.get("vulns")]
    if not audited:
        print(f"pip-audit: advisory service unreachable, NOT audited ({len(dependencies)} pinned packages unchecked)")
        NOT_AUDITED.append("pip-audit")
        return True
    skipped = len(dependencies) - len(audited)
    detail = f"{len(audited)} audited" + (f", {skipped} NOT audited (no advisory data reachable)" if skipped else "")
    listing = "\n".join(f"  {dep['name']} {dep['version']}: {[v['id'] for v in dep['vulns']]}" for dep in vulnerable)
    return _report(
        "pip-audit", not vulnerable, detail + (f", {len(vulnerable)} vulnerable" if vulnerable else ""), listing
    )


def npm_audit() -> bool:
    """The client's shipped dependencies (not its build tools) against the npm registry's advisories."""
    if not (ROOT / "frontend" / "package-lock.json").exists():
        print("npm audit: no client, nothing to audit")
        return True
    result = _run(["npm", "audit", "--omit=dev", "--json"], cwd=ROOT / "frontend", env={**os.environ, "NO_COLOR": "1"})
    try:
        report = json.loads(result.stdout)
        counts = report["metadata"]["vulnerabilities"]
    except (ValueError, KeyError, TypeError):
        print("npm audit: advisory service unreachable, NOT audited")
        NOT_AUDITED.append("npm audit")
        print(" ".join((result.stdout or result.stderr).split())[:160])
        return True
    serious = sum(counts.get(level, 0) for level in ("moderate", "high", "critical"))
    return _report(
        "npm audit",
        serious == 0,
        f"{counts.get('total', 0)} advisories, {serious} moderate or worse",
        result.stdout[:4000],
    )


STEPS = [check_deploy, bandit, ruff_security, detect_secrets, pip_audit, npm_audit]


def main() -> int:
    results = [step() for step in STEPS]
    failed = results.count(False)
    print(
        f"security gate: {len(results) - failed} of {len(results)} steps clean"
        + (f", {failed} FAILED" if failed else "")
        + (f"; NOT audited: {', '.join(NOT_AUDITED)}" if NOT_AUDITED else "")
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
