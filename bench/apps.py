from django.apps import AppConfig


class BenchConfig(AppConfig):
    """Synthetic data at national scale and the benchmark that measures the service on it."""

    name = "bench"
    verbose_name = "Benchmark"
