"""python manage.py generate_synthetic [--children N] [--tenth] [--seed S]"""

import time

from django.core.management.base import BaseCommand, CommandError

from bench.synthetic import SYNTHETIC_PASSWORD, Scale, synthetic_generate


class Command(BaseCommand):
    help = (
        "Generate realistic synthetic partnership data at any scale, reproducible from a seed. "
        "Default: the national data set (150 partnerships, 1,500 agencies, 300,000 children, "
        "100,000 suspects, 3,000,000 concerns). Never run it against a live database."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=2011)
        parser.add_argument(
            "--scale", type=float, default=1.0,
            help="A fraction of the national data set, e.g. 0.1 for a tenth",
        )  # fmt: skip
        parser.add_argument("--tenth", action="store_true", help="The same as --scale 0.1")
        for name in ("partnerships", "agencies", "children", "suspects", "concerns"):
            parser.add_argument(f"--{name}", type=int, help=f"Override the number of {name}")

    def handle(self, *args, **options) -> None:
        scale = Scale().scaled(0.1 if options["tenth"] else options["scale"])
        overrides = {
            name: options[name]
            for name in ("partnerships", "agencies", "children", "suspects", "concerns")
            if options[name]
        }
        scale = Scale(**(scale.__dict__ | overrides))
        if scale.agencies < scale.partnerships:
            raise CommandError("--agencies must be at least --partnerships")
        started = time.monotonic()
        self.stdout.write(f"Generating {scale} with seed {options['seed']}")
        try:
            synthetic_generate(
                scale=scale,
                seed=options["seed"],
                progress=lambda line: self.stdout.write(
                    f"[{time.monotonic() - started:7.1f} s] {line}"
                ),
            )
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"Done in {time.monotonic() - started:.0f} s. Users are "
            f"syn-a0001-frontline-1@synthetic.invalid and so on, password {SYNTHETIC_PASSWORD!r}."
        )
