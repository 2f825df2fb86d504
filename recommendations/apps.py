from django.apps import AppConfig
from django.db.models.signals import post_migrate, pre_save


def _no_history_for_restored_relations(sender, instance, raw: bool, **kwargs) -> None:
    """loaddata saves rows raw (no history: the dump carries it) and then sets their
    many-to-many relations, which django-simple-history would record as a new change. Marking
    the restored instance keeps a restore from adding history rows."""
    if raw:
        instance.skip_history_when_saving = True


class RecommendationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recommendations"
    verbose_name = "Scrutiny recommendations"

    def ready(self) -> None:
        from recommendations.roles import sync_role_groups

        post_migrate.connect(sync_role_groups, sender=self)
        for model in [self.get_model("Meeting"), self.get_model("UpdateReport")]:
            pre_save.connect(_no_history_for_restored_relations, sender=model)
