from django.apps import AppConfig
from django.db.models.signals import post_migrate


class RecommendationsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "recommendations"
    verbose_name = "Scrutiny recommendations"

    def ready(self) -> None:
        from recommendations.roles import sync_role_groups

        post_migrate.connect(sync_role_groups, sender=self)
