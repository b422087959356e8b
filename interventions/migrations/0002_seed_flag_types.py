"""The controlled list of exploitation flags the service ships with."""

from django.db import migrations

FLAG_TYPES = [
    (
        "cse",
        "Child sexual exploitation (CSE)",
        "Known or suspected sexual exploitation of a child.",
    ),
    ("cce", "Child criminal exploitation", "A child used to commit crime for someone else."),
    ("trafficking", "Trafficking / modern slavery", "Moved or held for exploitation."),
    ("county_lines", "County lines", "Drug supply across areas using children or adults at risk."),
    ("gang", "Gang association", "Associated with a street gang."),
    ("ocg", "Organised crime group", "Linked to an organised crime group."),
    ("missing", "Missing linked to exploitation", "Going missing linked to exploitation."),
    (
        "contextual",
        "Contextual safeguarding",
        "Harm in a place or peer group outside the family.",
    ),
]


def seed(apps, schema_editor):
    FlagType = apps.get_model("interventions", "FlagType")
    for order, (code, name, description) in enumerate(FLAG_TYPES, start=1):
        FlagType.objects.get_or_create(
            code=code,
            defaults={"name": name, "description": description, "display_order": order * 10},
        )


class Migration(migrations.Migration):
    dependencies = [("interventions", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
