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
        self._watch_changes_for_pdfs()

    def _watch_changes_for_pdfs(self) -> None:
        """Every write goes through the services and adds a history row; the few models
        without history (committees, glossary terms) and a meeting's list of reviews are
        watched directly. Each marks the PDFs it affects for the worker to make again."""
        from django.db.models.signals import m2m_changed, post_delete, post_save
        from simple_history.signals import post_create_historical_record

        from recommendations.models import Committee, GlossaryTerm, Meeting, UpdateReport
        from reports import prerender

        post_create_historical_record.connect(prerender.note_change, dispatch_uid="reports-pdfs")
        for model in (Committee, GlossaryTerm):
            for signal in (post_save, post_delete):
                signal.connect(prerender.note_change, sender=model, dispatch_uid="reports-pdfs")
        for relation in (Meeting.reviews.through, UpdateReport.contributors.through):
            m2m_changed.connect(
                prerender.note_relation, sender=relation, dispatch_uid="reports-pdfs"
            )
