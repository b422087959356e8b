"""factory_boy factories. Agencies and memberships are made through the services, so that a
test agency has its group and a test member is in it, exactly as in the application."""

from __future__ import annotations

import time
from datetime import date, timedelta

import factory
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies import services
from agencies.models import Agency, Membership, Partnership, Role, User
from cases.models import Case, Concern, Person
from indicators.models import IndicatorSet

TEST_PASSWORD = "correct-horse-battery-staple"

# Staff names are made up and share no part with any name Faker gives the people in the
# records (checked in tests/core/test_factories.py), so that a test asserting a child's or
# suspect's name is absent from a page cannot be failed by the name of the user signed in.
STAFF_FIRST_NAMES = ("Quorra", "Zephyrine", "Ysolde", "Brannoc", "Thessaly", "Caddoc", "Wenna",
                     "Ilsabet", "Morwen", "Tamsyn", "Locryn", "Ebrel", "Kerensa")  # fmt: skip
STAFF_LAST_NAMES = ("Quillfeather", "Brackwater", "Pendrigg", "Vossbury", "Marrowdene",
                    "Skelbrooke", "Ardvorlich", "Culzean", "Drumochter")  # fmt: skip


# Names of people in one test are distinct, so that a test asserting one child's name is absent
# (or that a search finds one person) cannot be failed by another person drawn with the same name.
# Reset before each test by tests/seeding.py, which also seeds the Faker drawing them.
_names_used: dict[str, set[str]] = {}
_faker = None


def distinct_names_reset() -> None:
    _names_used.clear()


def distinct_name(kind: str) -> str:
    global _faker
    if _faker is None:
        from faker import Faker

        _faker = Faker("en_GB")
    used = _names_used.setdefault(kind, set())
    for _ in range(200):
        name = getattr(_faker, kind)()
        if name not in used:
            break
    else:  # a test with more people than Faker has names: numbered, still distinct
        name = f"{name}{len(used)}"
    used.add(name)
    return name


def staff_name(n: int) -> str:
    first = STAFF_FIRST_NAMES[n % len(STAFF_FIRST_NAMES)]
    last = STAFF_LAST_NAMES[(n // len(STAFF_FIRST_NAMES)) % len(STAFF_LAST_NAMES)]
    return f"{first} {last}"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@agency.example")
    full_name = factory.Sequence(staff_name)

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> User:
        password = kwargs.pop("password", TEST_PASSWORD)
        return services.user_create(
            email=kwargs["email"], full_name=kwargs["full_name"], password=password, by=None
        )


class PartnershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Partnership

    code = factory.Sequence(lambda n: f"lscb-{n}")
    name = factory.Sequence(lambda n: f"Partnership {n}")

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Partnership:
        return services.partnership_create(**kwargs, by=None)


class AgencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Agency
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"agency-{n}")
    name = factory.Sequence(lambda n: f"Agency {n}")
    type = Agency.Type.CHILDRENS_SOCIAL_CARE
    partnerships = factory.LazyFunction(lambda: [PartnershipFactory()])

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Agency:
        return services.agency_create(**kwargs, by=None)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    agency = factory.SubFactory(AgencyFactory)
    role = Role.FRONTLINE

    @classmethod
    def _create(cls, model_class, *args, **kwargs) -> Membership:
        return services.membership_create(**kwargs, by=None)


def member(role: Role = Role.FRONTLINE, agency: Agency | None = None) -> User:
    """A user holding `role` in `agency` (a new agency when none is given)."""
    return MembershipFactory(role=role, agency=agency or AgencyFactory()).user


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    owner_agency = factory.SubFactory(AgencyFactory)
    kind = Person.Kind.CHILD
    first_name = factory.LazyFunction(lambda: distinct_name("first_name"))
    last_name = factory.LazyFunction(lambda: distinct_name("last_name"))


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    owner_agency = factory.SubFactory(AgencyFactory)
    child = factory.SubFactory(PersonFactory, owner_agency=factory.SelfAttribute("..owner_agency"))
    reference = factory.Sequence(lambda n: f"CASE-{n:05d}")


class ConcernFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Concern

    case = factory.SubFactory(CaseFactory)
    reporter_agency = factory.SelfAttribute("case.owner_agency")
    occurred_on = factory.LazyFunction(lambda: date.today() - timedelta(days=3))
    narrative = "Seen getting into a car with an older man outside school."
    indicator_set = factory.LazyFunction(lambda: IndicatorSet.objects.get(is_current=True))


def enrol_totp(user: User) -> TOTPDevice:
    """A confirmed authenticator for `user`, as if they had set it up at first sign-in."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first() or (
        TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
    )


def totp_code(device: TOTPDevice, steps_ahead: int | None = None) -> str:
    """The code the user's app shows now, or in a later 30-second step (which the server
    accepts as clock drift) when this step's code was already used: a code is never accepted
    twice. By default, the first step whose code has not been used."""
    device.refresh_from_db()
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    if steps_ahead is None:
        current = int((time.time() - device.t0) // device.step)
        steps_ahead = max(0, device.last_t - current + 1)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():0{device.digits}d}"
