from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"

    def ready(self) -> None:
        from recommendations.demo import review_document_loaded
        from reports.demo import apply_appendix_layout

        review_document_loaded.connect(apply_appendix_layout, dispatch_uid="reports-layout")
