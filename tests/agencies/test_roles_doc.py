from agencies.management.commands.access_table import documented_table
from agencies.roles import access_table_markdown


def test_docs_access_md_states_the_role_table_the_code_enforces():
    """Regenerate with `python manage.py access_table --write` after changing roles.py."""
    assert documented_table() == access_table_markdown()
