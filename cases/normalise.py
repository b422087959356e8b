"""Normalising names, phones, vehicles, postcodes and identifiers for matching and validation."""

from __future__ import annotations

import re
import unicodedata

import jellyfish

POSTCODE_DISTRICT = re.compile(r"^[A-Z]{1,2}[0-9][A-Z0-9]?$")
UK_REGISTRATION = re.compile(r"^[A-Z0-9]{2,8}$")


def ascii_letters(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def name_tokens(*names: str) -> list[str]:
    """Lower-case tokens of letters only: "O'Brien-Smyth" gives ["obrien", "smyth"]."""
    tokens: list[str] = []
    for name in names:
        cleaned = ascii_letters(name or "").lower().replace("'", "").replace("’", "")
        tokens += [t for t in re.split(r"[^a-z]+", cleaned) if t]
    return tokens


def phonetic(token: str) -> str:
    return jellyfish.metaphone(token) or token


def phone(value: str) -> str:
    digits = re.sub(r"\D", "", value or "")
    if digits.startswith("44") and len(digits) == 12:
        digits = "0" + digits[2:]
    return digits


def vehicle(value: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", (value or "").upper())


def postcode_district(value: str) -> str:
    """The outward code: "ls6 2ab" and "LS6" both give "LS6"; empty when not a district."""
    outward = (value or "").strip().upper().split(" ")[0]
    return outward if POSTCODE_DISTRICT.match(outward) else ""


def nhs_number_valid(value: str) -> bool:
    """Ten digits whose last is the modulus 11 check digit of the first nine."""
    digits = re.sub(r"\s", "", value or "")
    if not re.fullmatch(r"\d{10}", digits):
        return False
    total = sum(int(d) * (10 - i) for i, d in enumerate(digits[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(digits[9])


def identifier(value: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", (value or "").upper())
