from django.apps import AppConfig


class CommunityConfig(AppConfig):
    name = "community"
    verbose_name = "Community"

    def ready(self) -> None:
        import logging

        from django.core.signals import got_request_exception

        from community import erasure, exports, metrics  # noqa: F401 (receivers; sections)

        got_request_exception.connect(metrics.request_failed, dispatch_uid="hearth-metrics")
        # Python's warnings as log lines (`py.warnings`), formatted and scrubbed as all are.
        logging.captureWarnings(True)
