from django.apps import AppConfig


class RestrictionsConfig(AppConfig):
    name = "restrictions"
    verbose_name = "Need-to-know: restricted records and emergency access"
