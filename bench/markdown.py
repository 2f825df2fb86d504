"""How long Markdown takes to render for each pathological pattern, before and after bounding.

    .venv/bin/python -m bench.markdown [--length 20000] [--budget 30]

"before" is python-markdown alone (as ``render_markdown`` was), run in a child process killed
after ``--budget`` seconds (printed as "> N s"); "after" is ``render_markdown`` now (uncached),
and "shown as" says whether it was formatted or fell back to escaped plain text.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "exclusions_tracker.settings")
os.environ.setdefault("DEBUG", "true")


def _repeat(unit: str, length: int) -> str:
    return (unit * (length // len(unit) + 1))[:length]


def patterns(length: int) -> dict[str, str]:
    half = length // 2
    return {
        "- - - … (nested lists)": _repeat("- ", length),
        "> > > … (nested quotes)": _repeat("> ", length),
        "1. 1. … (nested numbered)": _repeat("1. ", length),
        "<ul><li> … (raw nested)": _repeat("<ul><li>", length),
        "[[[[ (unclosed brackets)": "[" * length,
        "[]( … (links left open)": _repeat("[](", length),
        "[a]( …": _repeat("[a](", length),
        "![ … (images left open)": _repeat("![", length),
        "[[[…]]] (nested brackets)": "[" * half + "]" * half,
        "<a  … (unclosed tags)": _repeat("<a ", length),
        "<http:// … (unclosed autolinks)": _repeat("<http://", length),
        "a⏎=⏎ … (setext headings)": _repeat("a\n=\n", length),
        "a⏎---⏎ … (rules)": _repeat("a\n---\n", length),
        "* run": "*" * length,
        "_a run": _repeat("_a", length),
        "< run": "<" * length,
        "\\ run": "\\" * length,
        "link references": "".join(f"[{i}]: https://x.org/{i}\n" for i in range(length // 40))
        + "".join(f"[a][{i}] " for i in range(length // 40)),
        "ordinary prose with links": _repeat("Some words [a link](https://x.org/a). ", length),
    }


def _before(text: str, queue: multiprocessing.Queue) -> None:
    import markdown

    started = time.perf_counter()
    try:
        markdown.markdown(text, extensions=["sane_lists"], output_format="html")
        queue.put(f"{time.perf_counter() - started:7.3f} s")
    except RecursionError:
        queue.put("RecursionError")


def before(text: str, budget: float) -> str:
    queue: multiprocessing.Queue = multiprocessing.Queue()
    child = multiprocessing.Process(target=_before, args=(text, queue))
    child.start()
    child.join(budget)
    if child.is_alive():
        child.kill()
        child.join()
        return f"> {budget:.0f} s"
    return queue.get()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=20_000)
    parser.add_argument("--budget", type=float, default=30)
    args = parser.parse_args()

    import django

    django.setup()
    from recommendations.markdown import plain_text_html, render_markdown

    print(f"{'pattern':34} {'chars':>7} {'before':>15} {'after':>9}  shown as")
    for name, text in patterns(args.length).items():
        render_markdown.cache_clear()
        started = time.perf_counter()
        html = render_markdown(text)
        after = time.perf_counter() - started
        plain = html == plain_text_html(text)
        print(
            f"{name:34} {len(text):7} {before(text, args.budget):>15} {after:7.3f} s  "
            f"{'plain text' if plain else 'Markdown'}",
            flush=True,
        )


if __name__ == "__main__":
    main()
