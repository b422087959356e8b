"""Password hashing.

Argon2id with the parameters of OWASP's Password Storage Cheat Sheet (19 MiB of memory, two
passes, one lane): memory-hard, so guessing on GPUs or ASICs costs far more than against
PBKDF2, while a sign-in costs about 25 ms of one core instead of PBKDF2's 200-250 ms at
Django's 1,000,000 iterations. Eight people signing in at once on two cores no longer queue
behind the hash (docs/decisions.md, docs/performance.md).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
