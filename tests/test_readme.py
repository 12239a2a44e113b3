"""The README's quick start is what CI runs, so a missing set-up step fails CI, not a user."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _quick_start() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", section, re.S)]


def test_quick_start_is_two_commands_that_ci_runs() -> None:
    commands = _quick_start()
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    ci = [line.strip() for line in (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()]
    assert commands[0] in ci and commands[1] in ci
    assert ci.index(commands[0]) < ci.index(commands[1])


def test_set_up_pins_the_cpu_torch_before_the_package() -> None:
    setup = _quick_start()[0]
    assert setup.index("torch==") < setup.index("pip install -e")
