import logging

from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete, post_migrate, pre_delete, pre_save

logger = logging.getLogger(__name__)


def _no_history_for_restored_relations(sender, instance, raw: bool, **kwargs) -> None:
    """loaddata saves rows raw (no history: the dump carries it) and then sets their
    many-to-many relations, which django-simple-history would record as a new change. Marking
    the restored instance keeps a restore from adding history rows."""
    if raw:
        instance.skip_history_when_saving = True


def _remove_document_file(sender, instance, **kwargs) -> None:
    """A removed document's file goes too, once the removal is committed (a rolled-back
    removal keeps it): by ``services.remove_document``, or when the record it belongs to is
    deleted (a cascade, which calls no service). Issued packs are never deleted this way."""
    stored = instance.file
    if not stored.name:
        return
    storage, name = stored.storage, stored.name

    def remove() -> None:
        try:
            storage.delete(name)
        except Exception:
            # The row is gone; a file left behind is unreachable, and the log says where.
            logger.exception("Could not remove the file of a removed document: %s", name)

    transaction.on_commit(remove)


class RecommendationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recommendations"
    verbose_name = "Scrutiny recommendations"

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_in

        from recommendations.access import mark_lead_session
        from recommendations.roles import sync_role_groups

        post_migrate.connect(sync_role_groups, sender=self)
        user_logged_in.connect(mark_lead_session, dispatch_uid="mark_lead_session")
        for model in [self.get_model("Meeting"), self.get_model("UpdateReport")]:
            pre_save.connect(_no_history_for_restored_relations, sender=model)
        post_delete.connect(_remove_document_file, sender=self.get_model("SupportingDocument"))
        self._keep_search_documents_current()

    def _keep_search_documents_current(self) -> None:
        """Every write goes through the services and adds a history row: each rebuilds the
        search documents it touches (``recommendations.search``)."""
        from simple_history.signals import post_create_historical_record

        from recommendations import search

        post_create_historical_record.connect(search.note_change, dispatch_uid="search")
        recommendation = self.get_model("Recommendation")
        pre_delete.connect(search.note_deleting, sender=recommendation, dispatch_uid="search")
        post_delete.connect(search.note_deleted, sender=recommendation, dispatch_uid="search")
