"""Page speed at national scale, each page beside the Django admin's changelist of the same
recommendations (the annual report beside the dashboard), measured in one run on PostgreSQL.

1,000 generated reviews (about 17,000 recommendations and 60,000 updates) plus the demo
data, in a throwaway PostgreSQL server. Requests go through Django's test client in this
process (no network), signed in as a superuser (the public pages signed out, every review
published), after a warm-up. Prints median and p95 per
page, the admin's for the same rows, and the ratio. Goal: every ratio <= 1 and every p95
under 150 ms. Run: .venv/bin/python -m bench.pages [--reviews 1000] [--runs 30]
"""

from __future__ import annotations

import argparse
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--reviews", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--explain", action="store_true", help="print the plans of key queries")
    parser.add_argument("--only", default="", help="comma-separated page names to measure")
    parser.add_argument("--profile", default="", help="cProfile this page name once")
    args = parser.parse_args()

    with running_postgres() as pg:
        os.environ.update(
            DATABASE_URL=pg.url,
            SECRET_KEY="bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
            DEBUG="false",
            ALLOWED_HOSTS="testserver",
            SECURE_SSL_REDIRECT="false",
            SECURE_COOKIES="false",
            DJANGO_SETTINGS_MODULE="exclusions_tracker.settings",
            # The bench's one user asks far more often than the API's rate limit allows.
            API_USER_RATE="1000000/minute",
        )
        manage = [sys.executable, "manage.py"]
        subprocess.run([*manage, "migrate", "-v0"], cwd=ROOT, check=True)
        # Pages link their static files by hashed name, as in production.
        os.environ["STATIC_ROOT"] = str(collected_static_root())
        subprocess.run([*manage, "load_demo_data"], cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        started = time.perf_counter()
        subprocess.run(
            [*manage, "generate_demo_data", "--reviews", str(args.reviews), "--seed", "1"],
            cwd=ROOT,
            check=True,
        )
        print(f"(generated in {time.perf_counter() - started:.0f}s)")
        subprocess.run(
            ["psql", pg.url, "-qc", "VACUUM ANALYZE"], check=True, stdout=subprocess.DEVNULL
        )

        import django

        django.setup()
        from django.contrib.auth.models import User
        from django.db import connection
        from django.db.models import Count
        from django.test import Client

        from recommendations.models import ProgressUpdate, Recommendation, Review

        admin = User.objects.create_superuser("bench-admin", password="unused-" + pg.url)
        client = Client()
        client.force_login(admin)
        largest = Review.objects.annotate(n=Count("recommendations")).order_by("-n", "slug").first()
        print(
            f"PostgreSQL {pg.version}: {Review.objects.count()} reviews, "
            f"{Recommendation.objects.count()} recommendations, "
            f"{ProgressUpdate.objects.count()} updates; largest review "
            f"{largest.slug} ({largest.n} recommendations)\n"
        )
        # Every review published, so the public index is national scale too. A bulk update,
        # for the benchmark's setup only (the app publishes through services.review_publish).
        from django.utils import timezone

        Review.objects.update(published_at=timezone.now())
        anonymous = Client()
        changelist = "/admin/recommendations/recommendation/"
        from reports.annual import year_of, year_starts

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
            ("text search", "/recommendations/?q=guidance", f"{changelist}?q=guidance"),
            # Signed out, as the public reads them (reports.public).
            ("public index", "/public/", changelist),
            ("public largest review", f"/public/reviews/{largest.slug}/",
             f"{changelist}?review__id__exact={largest.pk}"),
            # The API's first page of recommendations (25, with where each stands), as JSON.
            ("API recommendations", "/api/v1/recommendations/?format=json", changelist),
            # Compared with the dashboard, as issue 19 asks: the year most reviews reported in,
            # every authority, as at the year's end (computed afresh on every request).
            ("annual report", f"/annual/?year={busiest_year}", "/"),
        ]  # fmt: skip
        if args.only:
            cases = [case for case in cases if case[0] in args.only.split(",")]
        print(
            f"{'page':<26}{'median':>9}{'p95':>9}   {'admin median':>12}{'admin p95':>10}   ratio"
        )
        print("(the annual report's comparison is the dashboard, not the admin)")
        failures = 0
        for name, url, admin_url in cases:
            reader = anonymous if url.startswith("/public/") else client
            median, p95 = measure(reader, url, args.runs)
            admin_median, admin_p95 = measure(client, admin_url, args.runs)
            ratio = median / admin_median
            ok = ratio <= 1.0 and p95 < 150
            failures += not ok
            print(
                f"{name:<26}{median:>7.1f}ms{p95:>7.1f}ms   {admin_median:>10.1f}ms"
                f"{admin_p95:>8.1f}ms   {ratio:.2f}×{'' if ok else '  (goal missed)'}"
            )
        if args.profile:
            import cProfile
            import pstats

            url = next(url for name, url, _ in cases if name == args.profile)
            profiler = cProfile.Profile()
            reader = anonymous if url.startswith("/public/") else client
            profiler.runcall(reader.get, url)
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        if args.explain:
            from django.test.utils import CaptureQueriesContext

            for name, url, _ in cases:
                with CaptureQueriesContext(connection) as queries:
                    start = time.perf_counter()
                    (anonymous if url.startswith("/public/") else client).get(url)
                    total = (time.perf_counter() - start) * 1000
                db = sum(float(q["time"]) for q in queries.captured_queries) * 1000
                print(f"\n{name}: {total:.0f} ms, of which {len(queries)} queries {db:.0f} ms")
                for query in sorted(queries.captured_queries, key=lambda q: -float(q["time"]))[:3]:
                    print(f"  {float(query['time']) * 1000:6.1f} ms  {query['sql'][:150]}")
            from reports.filters import RecommendationFilter
            from reports.selectors import recommendation_list

            qs = RecommendationFilter({"q": "guidance"}, queryset=recommendation_list()).qs[:25]
            with connection.cursor() as cursor:
                sql, params = qs.query.sql_with_params()
                cursor.execute("EXPLAIN ANALYZE " + sql, params)
                print("\ntext search plan:\n" + "\n".join(row[0] for row in cursor.fetchall()))
        print(f"\nPAGES RESULT: {len(cases) - failures} of {len(cases)} pages met the goals")
        connection.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
