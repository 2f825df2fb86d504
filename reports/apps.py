from django.apps import AppConfig


class ReportsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"

    def ready(self) -> None:
        from recommendations.demo import review_document_loaded, review_document_replacing
        from recommendations.services import table_imported
        from reports.demo import apply_appendix_layout, discard_packs
        from reports.importing import apply_imported_layout

        review_document_loaded.connect(apply_appendix_layout, dispatch_uid="reports-layout")
        review_document_replacing.connect(discard_packs, dispatch_uid="reports-packs")
        table_imported.connect(apply_imported_layout, dispatch_uid="reports-imported-layout")
