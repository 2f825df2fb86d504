from django.core.management.base import BaseCommand, CommandError

from recommendations.demo import DemoDataError, demo_files, load_review_document, read_document


class Command(BaseCommand):
    help = "Load the demo reviews from fixtures/*.yaml (existing reviews are left alone)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--replace", action="store_true", help="Delete and reload reviews that already exist."
        )

    def handle(self, *args, replace: bool = False, **options) -> None:
        for path in demo_files():
            try:
                review = load_review_document(read_document(path), replace=replace)
            except (DemoDataError, KeyError) as error:
                raise CommandError(f"{path.name}: {error}") from error
            if review is None:
                self.stdout.write(f"{path.name}: already loaded, left alone")
            else:
                count = review.recommendations.filter(parent=None).count()
                parts = review.recommendations.exclude(parent=None).count()
                self.stdout.write(
                    f"{path.name}: loaded {review.title} "
                    f"({count} recommendations{f', {parts} parts' if parts else ''})"
                )
