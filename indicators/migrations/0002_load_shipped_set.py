"""Loads the shipped indicator set, "Partnership CSE risk assessment" version 1."""

from django.db import migrations


def load(apps, schema_editor):
    from indicators.services import indicator_set_load, shipped_set_data

    indicator_set_load(
        data=shipped_set_data(),
        indicator_set_model=apps.get_model("indicators", "IndicatorSet"),
        indicator_model=apps.get_model("indicators", "Indicator"),
    )


def unload(apps, schema_editor):
    IndicatorSet = apps.get_model("indicators", "IndicatorSet")
    Indicator = apps.get_model("indicators", "Indicator")
    Indicator.objects.filter(indicator_set__name="Partnership CSE risk assessment").delete()
    IndicatorSet.objects.filter(name="Partnership CSE risk assessment").delete()


class Migration(migrations.Migration):
    dependencies = [("indicators", "0001_initial")]

    operations = [migrations.RunPython(load, unload)]
