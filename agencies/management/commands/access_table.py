import re
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from agencies.roles import access_table_markdown

DOC = Path(settings.BASE_DIR) / "docs" / "access.md"
BLOCK = re.compile(r"(<!-- role-table:start -->\n).*?(<!-- role-table:end -->)", re.DOTALL)


def documented_table() -> str:
    match = BLOCK.search(DOC.read_text())
    return match.group(0).split("\n", 1)[1].rsplit("\n", 1)[0] if match else ""


class Command(BaseCommand):
    help = "Print the role table from agencies/roles.py; --write puts it into docs/access.md."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--write", action="store_true")

    def handle(self, *args, write: bool = False, **options) -> None:
        table = access_table_markdown()
        if write:
            DOC.write_text(
                BLOCK.sub(lambda m: m.group(1) + table + "\n" + m.group(2), DOC.read_text())
            )
            self.stdout.write(f"Wrote the role table into {DOC}")
        else:
            self.stdout.write(table)
