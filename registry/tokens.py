"""API tokens: their format, how they are made, and how they are hashed with the server secret.

A token reads `reg_<id>_<secret>`: `id` is 12 random hex digits, stored in clear as the
`ApiToken` node's key so a presented token is found with one indexed lookup; `secret` is 32
random bytes. The database keeps only HMAC-SHA256(server secret, token).

Why an HMAC and not argon2: argon2 exists to slow down guessing of low-entropy passwords.
These tokens carry 256 random bits, so there is nothing to guess, and a deliberately slow
hash on every API request would only hand an attacker a cheap way to burn the server's two
cores. The keyed hash adds what a plain digest would not: someone who can read or even
write the database cannot mint or check a token without the server secret, which lives
outside it (`REGISTRY_TOKEN_SECRET`, or a file only the service can read).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from registry.config import PROJECT_ROOT

PREFIX = "reg"
_TOKEN = re.compile(r"^reg_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$")
MIN_SECRET_LENGTH = 32

SECRET_ENV = "REGISTRY_TOKEN_SECRET"  # noqa: S105 (the name of a variable, not a secret)
SECRET_FILE_ENV = "REGISTRY_TOKEN_SECRET_FILE"  # noqa: S105
DEFAULT_SECRET_FILE = PROJECT_ROOT / "var" / "token-secret"


class TokenSecretError(RuntimeError):
    """The server secret is missing, unreadable or too short."""


@dataclass(frozen=True)
class NewToken:
    id: str
    plaintext: str


def generate() -> NewToken:
    token_id = secrets.token_hex(6)
    return NewToken(token_id, f"{PREFIX}_{token_id}_{secrets.token_urlsafe(32)}")


def parse(presented: str) -> str | None:
    """The token id of a well-formed token, or None: malformed tokens never reach the database."""
    match = _TOKEN.match(presented.strip())
    return match.group(1) if match else None


def digest(secret: bytes, token: str) -> str:
    return hmac.new(secret, token.strip().encode(), hashlib.sha256).hexdigest()


def matches(secret: bytes, token: str, stored: str) -> bool:
    return hmac.compare_digest(digest(secret, token), stored)


def load_secret(env: dict[str, str] | None = None) -> bytes:
    """`REGISTRY_TOKEN_SECRET` if set; else the file `REGISTRY_TOKEN_SECRET_FILE` (default
    `var/token-secret`), created with a random secret, readable by its owner only, on first use.

    The file is the convenience for one machine (the API and the CLI read the same one); every
    deployment with more than one host or container sets the variable. Changing the secret
    invalidates every token issued under the old one.
    """
    source = os.environ if env is None else env
    value = source.get(SECRET_ENV, "").strip()
    if value:
        if len(value) < MIN_SECRET_LENGTH:
            raise TokenSecretError(f"{SECRET_ENV} must be at least {MIN_SECRET_LENGTH} characters long")
        return value.encode()
    path = Path(source.get(SECRET_FILE_ENV, "").strip() or DEFAULT_SECRET_FILE)
    try:
        return _read_or_create(path)
    except OSError as exc:
        raise TokenSecretError(f"set {SECRET_ENV}, or make {path} readable and writable by the service: {exc}") from exc


def _read_or_create(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole to a private temporary file, then linked into place: when several workers
        # start at once, exactly one link wins and nobody ever reads a half-written secret.
        temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="ascii") as f:
                f.write(secrets.token_urlsafe(48))
            with contextlib.suppress(FileExistsError):
                os.link(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)
    value = path.read_text(encoding="ascii").strip()
    if len(value) < MIN_SECRET_LENGTH:
        raise TokenSecretError(f"{path} holds a secret shorter than {MIN_SECRET_LENGTH} characters")
    return value.encode()
