from reports.charts import Segment, legend, stacked_bar


def test_a_bar_writes_each_count_and_has_a_title_and_description():
    svg = stacked_bar(
        chart_id="c1",
        title="Hackney by status",
        description="2 implemented, 16 in progress",
        segments=[
            Segment("implemented", "Implemented", 2),
            Segment("in_progress", "In progress", 16),
        ],
    )
    assert 'role="img"' in svg and 'aria-labelledby="c1-title c1-desc"' in svg
    assert '<title id="c1-title">Hackney by status</title>' in svg
    assert ">2</text>" in svg and ">16</text>" in svg
    # Told apart by pattern as well as colour.
    assert 'id="c1-implemented"' in svg and 'id="c1-in_progress"' in svg
    assert "<path" in svg


def test_user_text_in_titles_is_escaped():
    svg = stacked_bar(
        chart_id="c2",
        title="<script>alert(1)</script>",
        description="&",
        segments=[Segment("implemented", "Implemented", 1)],
    )
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_an_empty_bar_says_none():
    svg = stacked_bar(chart_id="c3", title="t", description="d", segments=[])
    assert ">None</text>" in svg


def test_the_legend_links_each_figure():
    html = legend(
        [Segment("implemented", "Implemented", 3, "/recommendations/?status=implemented")]
    )
    assert (
        '<a href="/recommendations/?status=implemented">Implemented: <strong>3</strong></a>' in html
    )


def test_a_swatch_has_no_ids_as_a_page_shows_it_many_times():
    html = legend([Segment("in_progress", "In progress", 2), Segment("not_started", "X", 1)])
    assert " id=" not in html and "url(#" not in html
    assert "<path" in html and "<circle" in html  # still told apart by pattern
