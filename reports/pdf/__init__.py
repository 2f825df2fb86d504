"""PDF rendering with WeasyPrint.

- ``fetcher``: the URL fetcher, which serves only our own static files;
- ``sandbox``: ``render_pdf``, a forked child per document with time and memory limits;
- ``documents``: the appendix and pack HTML, and the cache of rendered PDFs;
- ``breaks``: break points in long unbroken runs of text, added just before layout;
- ``pydyf_patch``: a speed fix for WeasyPrint's PDF writer, tested for still being needed.
"""
