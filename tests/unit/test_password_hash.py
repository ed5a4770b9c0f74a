"""Production hashes passwords with argon2id at its recommended cost; the suite uses the smallest cost
(tests/conftest.py). Both kinds of hash verify with either, since a hash names its own parameters."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from pwdlib import PasswordHash

from core.security import hash_password, verify_password

ROOT = Path(__file__).resolve().parents[2]


def test_a_process_hashes_with_argon2id_at_the_recommended_cost():
    probe = "from core.security import hash_password, verify_password; h = hash_password('Str0ng-pass!'); " \
            "print(h); print(verify_password('Str0ng-pass!', h), verify_password('wrong', h))"
    output = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    stored, verdicts = output.stdout.split()[0], output.stdout.split()[1:]

    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert verdicts == ["True", "False"]
    # ... and what production stored verifies here too, where new hashes are cheap.
    assert verify_password("Str0ng-pass!", stored)
    assert not verify_password("Str0ng-pass?", stored)


def test_the_suites_cheap_hash_is_still_argon2id_and_verifies_in_production():
    stored = hash_password("Str0ng-pass!")

    assert stored.startswith("$argon2id$")
    assert PasswordHash.recommended().verify("Str0ng-pass!", stored)
    assert not PasswordHash.recommended().verify("wrong", stored)
