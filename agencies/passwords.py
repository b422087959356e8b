"""Password validators (AUTH_PASSWORD_VALIDATORS): refuse passwords that are easy to guess.

`StrengthValidator` estimates with zxcvbn how many guesses a password would take, counting
common passwords (its frequency lists include the most common breached passwords), words,
names, keyboard patterns, dates and the person's own name and e-mail address, and refuses
those below score 3 ("safely unguessable": about 10^8 guesses or more) with zxcvbn's reason.

`PwnedPasswordValidator` asks a Pwned Passwords range API whether the password has been seen
in a breach, when `PWNED_PASSWORDS_URL` is set. Only the first five characters of the
password's SHA-1 leave the server (k-anonymity), with padding asked for so that the answer's
size says nothing either. If the service cannot be reached the password is accepted and a
line is logged (without the password or its hash): signing up must not depend on it.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from zxcvbn import zxcvbn

log = logging.getLogger(__name__)

# zxcvbn refuses longer input (its matching slows down sharply with length). A password is at
# least as strong as its first 72 characters, so those are what is estimated.
ZXCVBN_MAX_LENGTH = 72
# Parts of the name and e-mail address shorter than this match too much to be worth counting.
SHORTEST_PERSONAL_PART = 3
PERSONAL = (
    "it is built on your name or e-mail address, which is the first thing anyone trying to "
    "get in would try"
)
NO_WARNING = "a program that tries likely passwords would find it quickly"
NO_SUGGESTION = "Use three or four unrelated words."
PWNED_TIMEOUT_SECONDS = 2.0
PWNED_MAX_ANSWER_BYTES = 1024 * 1024
_ZXCVBN_LOCK = threading.Lock()


def personal_parts(user) -> list[str]:
    """The user's name and e-mail address, whole and in parts, for zxcvbn's `user_inputs`."""
    if user is None:
        return []
    parts: set[str] = set()
    for attribute in ("full_name", "email"):
        value = str(getattr(user, attribute, "") or "").lower()
        parts.add(value)
        parts.update(re.split(r"[\W_]+", value))
        local, _, _ = value.partition("@")
        parts.add(local)
    return sorted(part for part in parts if len(part) >= SHORTEST_PERSONAL_PART)


def estimate(password: str, inputs: list[str]) -> dict:
    # zxcvbn keeps the user's inputs in a module-level dictionary between building it and
    # matching: one estimate at a time, so that two threads never swap each other's.
    with _ZXCVBN_LOCK:
        return zxcvbn(password[:ZXCVBN_MAX_LENGTH], user_inputs=inputs)


def without_personal_parts(password: str, result: dict, parts: list[str]) -> str | None:
    """The password less its parts that are the user's name or e-mail address (as written,
    reversed, or as zxcvbn matched them with substitutions), or None when it has none."""
    hidden = [False] * len(password)
    spans = [
        (m["i"], m["j"] + 1)
        for m in result["sequence"]
        if m.get("dictionary_name") == "user_inputs"
    ]
    for part in parts:
        for written in {part, part[::-1]}:
            spans += [(m.start(), m.end()) for m in re.finditer(re.escape(written), password, re.I)]
    for start, end in spans:
        for position in range(start, min(end, len(password))):
            hidden[position] = True
    if not any(hidden):
        return None
    return "".join(c for c, h in zip(password, hidden, strict=True) if not h)


def too_easy(reason: str, suggestions: list[str]) -> ValidationError:
    reason = reason.strip().rstrip(".")
    reason = reason[:1].lower() + reason[1:]
    advice = " ".join(s.strip() for s in suggestions if s.strip()) or NO_SUGGESTION
    return ValidationError(
        "This password is too easy to guess: %(reason)s. %(advice)s",
        code="password_too_guessable",
        params={"reason": reason, "advice": advice},
    )


class StrengthValidator:
    """Refuse passwords zxcvbn scores below `min_score` (0-4), saying why."""

    def __init__(self, min_score: int = 3) -> None:
        self.min_score = min_score

    def validate(self, password: str, user=None) -> None:
        inputs = personal_parts(user)
        result = estimate(password, inputs)
        rest = without_personal_parts(password[:ZXCVBN_MAX_LENGTH], result, inputs)
        feedback = result["feedback"]
        if result["score"] < self.min_score:
            reason = feedback["warning"] or (PERSONAL if rest is not None else NO_WARNING)
            raise too_easy(reason, feedback["suggestions"])
        # zxcvbn counts a name as a rare word, but to someone guessing this person's password
        # it is the first word tried: what is left without it must be strong on its own.
        if rest is not None and estimate(rest, inputs)["score"] < self.min_score:
            raise too_easy(PERSONAL, ["Add a few words that have nothing to do with you."])

    def get_help_text(self) -> str:
        return (
            "Your password must not be easy to guess: not a common password, nor built on "
            "your name or e-mail address. A few unrelated words make a good password."
        )


def breach_count(password: str, base_url: str) -> int | None:
    """How often the password appears in the breaches a Pwned Passwords range API knows of,
    or None when the API could not be asked."""
    digest = hashlib.sha1(password.encode(), usedforsecurity=False).hexdigest().upper()
    prefix, suffix = digest[:5], digest[5:]
    url = f"{base_url.rstrip('/')}/range/{prefix}"
    if urlsplit(url).scheme not in {"http", "https"}:
        log.warning("PWNED_PASSWORDS_URL is not an http(s) address: breach check skipped")
        return None
    request = urllib.request.Request(  # noqa: S310 (scheme checked above)
        url, headers={"Add-Padding": "true", "User-Agent": settings.SERVICE_NAME}
    )
    try:
        with urllib.request.urlopen(request, timeout=PWNED_TIMEOUT_SECONDS) as answer:  # noqa: S310
            body = answer.read(PWNED_MAX_ANSWER_BYTES).decode("ascii")
        counts = {}
        for line in body.splitlines():
            candidate, _, count = line.strip().partition(":")
            if candidate:
                counts[candidate.upper()] = int(count)
    except (OSError, ValueError) as error:
        # Never the password, nor its hash: only that the check could not be made.
        log.warning(
            "Pwned Passwords range check failed (%s): password accepted without it",
            type(error).__name__,
        )
        return None
    return counts.get(suffix, 0)


class PwnedPasswordValidator:
    """Refuse passwords a Pwned Passwords range API (`PWNED_PASSWORDS_URL`) has seen in a
    breach. Does nothing while the setting is empty; accepts when the API does not answer."""

    def validate(self, password: str, user=None) -> None:
        base_url = settings.PWNED_PASSWORDS_URL
        if not base_url:
            return
        if breach_count(password, base_url):
            raise ValidationError(
                "This password has appeared in a data breach, so it is one of the first that "
                "anyone trying to get in would try: choose a different one",
                code="password_breached",
            )

    def get_help_text(self) -> str:
        return "Your password must not be one that has appeared in a data breach."
