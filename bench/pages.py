"""Page speed at national scale, each page beside the Django admin's changelist of the same
recommendations (the annual report beside the dashboard), measured in one run on PostgreSQL,
at two sizes.

1,000 generated reviews (about 17,000 recommendations and 60,000 updates) plus the demo
data, in a throwaway PostgreSQL server, measured; then 9,000 more (10,000 in all, about
175,000 recommendations), and the same pages measured again: those of the largest review of
the first 1,000, an open round of it (its entry page, its update requests, a table uploaded
for import into it and the import's preview), the review and recommendation lists and the
text search, the public pages (signed out, every review published), the API's list and the
annual report. Requests go through Django's test client in this process (no network), signed
in as a superuser (the public pages signed out), after a warm-up. Prints median and p95 per
page, the admin's for the same rows, the ratio, and how each page's p95 grew from the first
size to the last. Goal (issue 16): every p95 under 150 ms, every page ahead of the admin
(ratio <= 1), and no growth beyond noise (a page of 25 costs the same at 1,000 and at 10,000
reviews). The annual report has no admin page: it is shown beside the dashboard, as issue 19
asked, a figure with no goal but its p95; it lists the year's reviews, which grow with the
tracker.
Run: .venv/bin/python -m bench.pages [--reviews 1000,10000] [--runs 30] [--explain]
"""

from __future__ import annotations

import argparse
import importlib
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.collected_static import collected_static_root  # noqa: E402
from tests.pgserver import running_postgres  # noqa: E402


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, round(q * (len(ordered) - 1)))
    return ordered[index]


def measure(client, url: str, runs: int) -> tuple[float, float]:
    for _ in range(3):  # warm-up: connection, template and query caches
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200
    return statistics.median(times), percentile(times, 0.95)


def _setup_pages(client, admin, review, content: bytes) -> dict[str, str]:
    """An open round of ``review`` with its update requests sent, and a table uploaded for
    import into it: the pages officers use while a round is under way."""
    import datetime as dt

    from django.core.files.uploadedfile import SimpleUploadedFile

    from recommendations import services, update_requests
    from recommendations.models import UpdateReport

    report = services.update_report_create(
        report=UpdateReport(review=review, title="Bench round", as_at=dt.date.today()), user=admin
    )
    update_requests.send(report=report, due_on=dt.date.today() + dt.timedelta(days=28), user=admin)
    response = client.post(
        "/reviews/import/",
        {
            "file": SimpleUploadedFile("bench.csv", content, content_type="text/csv"),
            "into": "existing",
            "review": review.pk,
            "report_title": "Bench import",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    base = f"/reviews/{review.slug}/update-reports/{report.pk}"
    return {
        "round": f"{base}/enter/",
        "requests": f"{base}/requests/",
        "import preview": response["Location"],
    }


def _import_table(review) -> bytes:
    """The review's rows as a CSV of a new round: its labels and texts, a new update each."""
    import csv
    import io

    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Ref", "Recommendation", "Progress update", "Status"])
    for rec in review.recommendations.order_by("order", "id"):
        writer.writerow([rec.label, rec.text, f"Bench progress on {rec.label}.", "In progress"])
    return out.getvalue().encode()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--reviews",
        default="1000,10000",
        help="generated reviews, one size or several ascending (comma-separated): each size "
        "adds reviews to the last and is measured in turn, the same pages at every size",
    )
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--explain", action="store_true", help="print the plans of key queries")
    parser.add_argument("--only", default="", help="comma-separated page names to measure")
    parser.add_argument("--profile", default="", help="cProfile this page name once")
    args = parser.parse_args()
    sizes = [int(size) for size in args.reviews.split(",")]
    if sizes != sorted(set(sizes)) or sizes[0] < 1:
        parser.error("--reviews: sizes must ascend, from 1")

    with running_postgres() as pg:
        os.environ.update(
            DATABASE_URL=pg.url,
            SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            DEBUG="false",
            ALLOWED_HOSTS="testserver",
            SECURE_SSL_REDIRECT="false",
            SECURE_COOKIES="false",
            EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
            DJANGO_SETTINGS_MODULE="exclusions_tracker.settings",
            # The bench's one user asks far more often than the API's rate limit allows.
            API_USER_RATE="1000000/minute",
        )
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, check=True)
        # Pages link their static files by hashed name, as in production.
        os.environ["STATIC_ROOT"] = str(collected_static_root())
        subprocess.run([*manage, "load_demo_data"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)

        import django

        django.setup()
        from django.contrib.auth.models import User
        from django.db import connection
        from django.db.models import Count
        from django.test import Client
        from django.utils import timezone

        from recommendations.models import ProgressUpdate, Recommendation, Review
        from reports.annual import year_of, year_starts

        # The application as gunicorn loads it: start-up's objects frozen out of the garbage
        # collector's reach (exclusions_tracker/wsgi.py).
        importlib.import_module("exclusions_tracker.wsgi")
        admin = User.objects.create_superuser("bench-admin", password="unused-" + pg.url)
        client = Client()
        client.force_login(admin)
        anonymous = Client()
        changelist = "/admin/recommendations/recommendation/"
        results: dict[int, dict[str, tuple[float, float, float, float]]] = {}
        failures = 0
        generated = 0
        cases: list[tuple[str, str, str]] = []
        for number, size in enumerate(sizes):
            started = time.perf_counter()
            subprocess.run(
                [*manage, "generate_demo_data", "--reviews", str(size - generated),
                 "--seed", str(number + 1), "--prefix", f"generated{number or ''}"],
                cwd=ROOT,
                check=True,
            )  # fmt: skip
            generated = size
            print(f"(generated in {time.perf_counter() - started:.0f}s)")
            subprocess.run(
                ["psql", pg.url, "-qc", "VACUUM ANALYZE"], check=True, stdout=subprocess.DEVNULL
            )
            connection.close()
            # Every review published, so the public index is at national scale too. A bulk
            # update, for the benchmark's setup only (the app publishes through
            # services.review_publish).
            Review.objects.filter(published_at=None).update(published_at=timezone.now())
            if not cases:
                # The same pages at every size: the largest review of the first set.
                largest = (
                    Review.objects.annotate(n=Count("recommendations"))
                    .order_by("-n", "slug")
                    .first()
                )
                officer_pages = _setup_pages(client, admin, largest, _import_table(largest))
                starts = year_starts(None)
                busiest_year = statistics.mode(
                    year_of(date, starts)
                    for date in Review.objects.exclude(reported_on=None).values_list(
                        "reported_on", flat=True
                    )
                )
                cases = [
                    ("dashboard", "/", changelist),
                    ("review list", "/reviews/", changelist),
                    ("largest review page", f"/reviews/{largest.slug}/",
                     f"{changelist}?review__id__exact={largest.pk}"),
                    ("largest review appendix", f"/reviews/{largest.slug}/appendix/",
                     f"{changelist}?review__id__exact={largest.pk}"),
                    ("recommendation list", "/recommendations/", changelist),
                    ("text search", "/recommendations/?q=guidance", f"{changelist}?q=guidance"),
                    ("rare word search", "/recommendations/?q=recruitment+-guidance",
                     f"{changelist}?q=recruitment"),
                    ("round entry", officer_pages["round"],
                     f"{changelist}?review__id__exact={largest.pk}"),
                    ("update requests", officer_pages["requests"],
                     f"{changelist}?review__id__exact={largest.pk}"),
                    ("import upload", "/reviews/import/", changelist),
                    ("import preview", officer_pages["import preview"],
                     f"{changelist}?review__id__exact={largest.pk}"),
                    # Signed out, as the public reads them (reports.public).
                    ("public index", "/public/", changelist),
                    ("public largest review", f"/public/reviews/{largest.slug}/",
                     f"{changelist}?review__id__exact={largest.pk}"),
                    # The API's first page of recommendations (25, with where each stands).
                    ("API recommendations", "/api/v1/recommendations/?format=json", changelist),
                    # Beside the dashboard, as issue 19 asks: the year most reviews reported
                    # in, every authority, as at the year's end, as members meet it between
                    # edits (drawn once per state of the data: annual.cached_annual_page).
                    ("annual report", f"/annual/?year={busiest_year}", "/"),
                    # The table's filters that match most of the tracker, and the API's search.
                    ("status filter", "/recommendations/?status=implemented", changelist),
                    ("overdue filter", "/recommendations/?overdue=true", changelist),
                    ("API search", "/api/v1/recommendations/?format=json&q=guidance",
                     f"{changelist}?q=guidance"),
                ]  # fmt: skip
                if args.only:
                    cases = [case for case in cases if case[0] in args.only.split(",")]
            print(
                f"\nPostgreSQL {pg.version}: {Review.objects.count()} reviews, "
                f"{Recommendation.objects.count()} recommendations, "
                f"{ProgressUpdate.objects.count()} updates; pages of review "
                f"{largest.slug} ({largest.n} recommendations)\n"
            )
            print(
                f"{'page':<26}{'median':>9}{'p95':>9}   {'admin median':>12}{'admin p95':>10}"
                "   ratio"
            )
            print("(the annual report's comparison is the dashboard, not the admin: a figure)")
            results[size] = {}
            for name, url, admin_url in cases:
                reader = anonymous if url.startswith("/public/") else client
                median, p95 = measure(reader, url, args.runs)
                admin_median, admin_p95 = measure(client, admin_url, args.runs)
                results[size][name] = (median, p95, admin_median, admin_p95)
                ratio = median / admin_median
                beside_admin = admin_url.startswith("/admin/")
                ok = p95 < 150 and (ratio <= 1.0 or not beside_admin)
                failures += not ok
                print(
                    f"{name:<26}{median:>7.1f}ms{p95:>7.1f}ms   {admin_median:>10.1f}ms"
                    f"{admin_p95:>8.1f}ms   {ratio:.2f}×{'' if ok else '  (goal missed)'}"
                )
            if args.explain:
                explain(client, connection, cases)
        if len(sizes) > 1:
            first, last = sizes[0], sizes[-1]
            print(f"\nGrowth from {first} to {last} reviews (p95 at {last} ÷ p95 at {first}):")
            for name, *_ in cases:
                before, after = results[first][name][1], results[last][name][1]
                print(f"{name:<26}{before:>7.1f}ms -> {after:>7.1f}ms   {after / before:.2f}×")
        if args.profile:
            import cProfile
            import pstats

            url = next(url for name, url, _ in cases if name == args.profile)
            profiler = cProfile.Profile()
            profiler.runcall(client.get, url)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        measured = len(cases) * len(sizes)
        print(f"\nPAGES RESULT: {measured - failures} of {measured} pages met the goals")
        connection.close()
    return 0


def explain(client, connection, cases) -> None:
    from django.test.utils import CaptureQueriesContext

    for name, url, _ in cases:
        with CaptureQueriesContext(connection) as queries:
            start = time.perf_counter()
            client.get(url)
            total = (time.perf_counter() - start) * 1000
        db = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        print(f"\n{name}: {total:.0f} ms, of which {len(queries)} queries {db:.0f} ms")
        for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]:
            print(f"  {float(query['time']) * 1000:6.1f} ms  {query['sql'][:150]}")
    from django.db.models import F

    from recommendations.search import RANK
    from reports.filters import SEARCH_COUNT_LIMIT, RecommendationFilter
    from reports.selectors import recommendation_list

    # The one query of the page that reads the documents (search.first_matches).
    matches = RecommendationFilter({"q": "guidance"}, queryset=recommendation_list()).qs
    qs = matches.order_by("-pk").values_list("pk", F(RANK))[: SEARCH_COUNT_LIMIT + 1]
    with connection.cursor() as cursor:
        sql, params = qs.query.sql_with_params()
        cursor.execute("EXPLAIN ANALYZE " + sql, params)
        print("\ntext search plan:\n" + "\n".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    sys.exit(main())
