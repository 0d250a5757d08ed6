"""Installs are reproducible: the lock files pin everything pyproject.toml asks for,
with hashes, and `make venv`, CI and the image install from them; the audit fails
on a known vulnerability and never passes a lock it could not check."""

import json
import re
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.processes import ROOT, clean_env

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
RUNTIME_LOCK = ROOT / "requirements" / "main.txt"
DEV_LOCK = ROOT / "requirements" / "dev.txt"
AUDIT = ROOT / "bin" / "audit"


def pins(path: Path) -> dict[str, tuple[str, list[str]]]:
    """Each locked package: its version and its hashes."""
    text = path.read_text().replace("\\\n", " ")
    found: dict[str, tuple[str, list[str]]] = {}
    for line in text.splitlines():
        match = re.match(r"^([A-Za-z0-9._-]+)==(\S+)(.*)$", line)
        if match:
            name, version, rest = match.groups()
            found[canonicalize_name(name)] = (version, re.findall(r"--hash=sha256:\w{64}", rest))
    return found


def test_every_pin_has_hashes_and_every_line_is_a_pin():
    for path in (RUNTIME_LOCK, DEV_LOCK):
        locked = pins(path)
        assert locked, path
        assert all(hashes for _version, hashes in locked.values()), path
        text = path.read_text().replace("\\\n", " ")
        for line in text.splitlines():
            line = line.split("#", 1)[0].strip()
            # No index or find-links line naming this machine's folders.
            assert not line or re.match(r"^[A-Za-z0-9._-]+==", line), (path, line)


def check_fits(requirements: list[str], locked: dict[str, tuple[str, list[str]]]) -> None:
    for spec in requirements:
        requirement = Requirement(spec)
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not locked: run `make lock`"
        version = locked[name][0]
        assert requirement.specifier.contains(version, prereleases=True), (
            f"{name}=={version} does not fit {requirement.specifier}: run `make lock`"
        )


def test_the_runtime_lock_fits_the_runtime_dependencies():
    check_fits(PYPROJECT["project"]["dependencies"], pins(RUNTIME_LOCK))


def test_the_development_lock_fits_everything_and_agrees_with_the_runtime_lock():
    dev = pins(DEV_LOCK)
    check_fits(PYPROJECT["project"]["dependencies"], dev)
    check_fits(PYPROJECT["project"]["optional-dependencies"]["dev"], dev)
    for name, (version, _hashes) in pins(RUNTIME_LOCK).items():
        assert dev.get(name, ("missing",))[0] == version, name


def test_the_runtime_lock_leaves_the_development_tools_out():
    runtime = pins(RUNTIME_LOCK)
    for name in ("daphne", "pytest", "playwright", "mypy", "pip-audit", "pip-tools"):
        assert name not in runtime, name


def test_venv_ci_and_the_image_install_from_the_lock_with_hashes():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^LOCK := requirements/dev\.txt$", makefile, re.MULTILINE)
    assert re.search(r"^\$\(VENV\)/\.installed: \$\(LOCK\)$", makefile, re.MULTILINE)
    assert "pip install --quiet --disable-pip-version-check --require-hashes -r $(LOCK)" in (
        makefile
    )
    assert "'.[dev]'" not in makefile
    assert re.search(r"^lock: ", makefile, re.MULTILINE)
    assert "--generate-hashes" in makefile
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "RUN pip install --require-hashes -r requirements/main.txt" in dockerfile
    assert "pip install ." not in dockerfile
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make venv" in ci
    assert re.search(r"^(AUDIT_UNREACHABLE=warn )?make audit ", ci, re.MULTILINE)


def fake_pip_audit(tmp_path: Path, report: dict | None, *, exit_code: int = 0) -> Path:
    """A stand-in for pip-audit that writes `report` (or nothing, as when unreachable)."""
    fake = tmp_path / "pip-audit"
    body = json.dumps(report) if report is not None else ""
    fake.write_text(
        f"#!{sys.executable}\n"
        "import sys\n"
        "out = sys.argv[sys.argv.index('--output') + 1]\n"
        f"body = {body!r}\n"
        "if body:\n"
        "    open(out, 'w').write(body)\n"
        "else:\n"
        "    print('ConnectionError: no route', file=sys.stderr)\n"
        f"sys.exit({exit_code})\n"
    )
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    return fake


def run_audit(fake: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(AUDIT), str(DEV_LOCK)],
        env=clean_env(PIP_AUDIT=str(fake), **env),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_the_audit_fails_on_a_known_vulnerability(tmp_path):
    report = {
        "dependencies": [
            {
                "name": "django",
                "version": "6.1.3",
                "vulns": [{"id": "PYSEC-0", "fix_versions": []}],
            },
            {"name": "redis", "version": "8.0.0", "vulns": []},
        ]
    }
    result = run_audit(fake_pip_audit(tmp_path, report, exit_code=1), AUDIT_UNREACHABLE="warn")
    assert result.returncode == 1
    assert "VULNERABLE django 6.1.3: PYSEC-0" in result.stdout


def test_the_audit_passes_a_clean_lock(tmp_path):
    report = {"dependencies": [{"name": "redis", "version": "8.0.0", "vulns": []}]}
    result = run_audit(fake_pip_audit(tmp_path, report))
    assert result.returncode == 0, result.stderr
    assert "no known vulnerabilities" in result.stdout


def test_the_audit_never_passes_a_lock_it_could_not_check(tmp_path):
    # What PyPI's service answers from CI's machine: "not found" for every pin.
    skipped = {"dependencies": [{"name": "redis", "skip_reason": "Dependency not found"}]}
    for fake in (fake_pip_audit(tmp_path, skipped), fake_pip_audit(tmp_path, None, exit_code=1)):
        result = run_audit(fake)
        assert result.returncode == 1
        assert "NOT AUDITED" in result.stderr
        warned = run_audit(fake, AUDIT_UNREACHABLE="warn")
        assert warned.returncode == 0
        assert "NOT AUDITED" in warned.stderr


def test_the_audit_fails_when_only_some_pins_could_be_checked(tmp_path):
    report = {
        "dependencies": [
            {"name": "redis", "version": "8.0.0", "vulns": []},
            {"name": "bleach", "skip_reason": "Dependency not found"},
        ]
    }
    result = run_audit(fake_pip_audit(tmp_path, report), AUDIT_UNREACHABLE="warn")
    assert result.returncode == 1
    assert "NOT AUDITED bleach" in result.stdout
