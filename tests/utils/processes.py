"""Mechta processes started as a deployment would start them, for tests that need separate processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Child:
    name: str
    process: subprocess.Popen
    log_path: Path

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs, as when a machine or container dies."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(encoding="utf-8", errors="replace").splitlines()


def start_module(module: str, name: str, env: dict[str, str], log_dir: Path) -> Child:
    """`python -m <module>` with only `env` on top of a minimal environment; stdout and stderr go to a file."""
    log_path = log_dir / f"{name}.log"
    base = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen([sys.executable, "-m", module], cwd=REPO_ROOT, env={**base, **env},
                                   stdout=log_file, stderr=subprocess.STDOUT)
    return Child(name, process, log_path)
