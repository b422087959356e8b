from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators.services import IndicatorSetFileError, indicator_set_load_file


class Command(BaseCommand):
    help = "Load a new indicator set version from a JSON or YAML file (all or nothing)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file")

    def handle(self, *args, file: str, **options) -> None:
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"No file at {path}")
        try:
            loaded = indicator_set_load_file(content=path.read_bytes(), filename=path.name)
        except IndicatorSetFileError as error:
            raise CommandError("Nothing was loaded:\n  " + "\n  ".join(error.errors)) from error
        self.stdout.write(self.style.SUCCESS(f"Loaded {loaded}; it is now the current set."))
