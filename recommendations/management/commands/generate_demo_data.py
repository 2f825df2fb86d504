from django.core.management.base import BaseCommand, CommandError

from recommendations.generate import generate
from recommendations.models import Review


class Command(BaseCommand):
    help = "Generate a realistic, deterministic data set for benchmarks and load tests."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--reviews", type=int, required=True, help="How many reviews.")
        parser.add_argument("--seed", type=int, default=1, help="Same seed, same data.")
        parser.add_argument(
            "--prefix", default="generated", help="Slug prefix, so several sets can coexist."
        )

    def handle(self, *args, reviews: int, seed: int, prefix: str, **options) -> None:
        if reviews < 1:
            raise CommandError("--reviews must be at least 1")
        if Review.objects.filter(slug__startswith=f"{prefix}-").exists():
            raise CommandError(
                f"Reviews with the prefix {prefix!r} exist already; choose another --prefix."
            )
        counts = generate(reviews=reviews, seed=seed, prefix=prefix)
        self.stdout.write(
            f"Generated {counts.reviews} reviews, {counts.recommendations} recommendations "
            f"and {counts.updates} progress updates (seed {seed})."
        )
