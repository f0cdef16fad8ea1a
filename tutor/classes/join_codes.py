"""Join codes: 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), so a code
read off a board is typed right; 32^8 ≈ 10^12 codes, drawn with `secrets`."""

from __future__ import annotations

import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8


def new_join_code() -> str:
    """A fresh random code."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalised(code: str) -> str:
    """A code as typed, the way it is stored: upper case, spaces and dashes dropped."""
    return code.upper().replace(" ", "").replace("-", "")
