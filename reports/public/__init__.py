"""The public pages and feeds: published reviews as anyone may read them, without signing in.

What is public is ``recommendations.publication``'s rule (published reviews; of them, final
update reports and the updates in them): every query here starts from its querysets, so a
draft, an update in no final report, or an unpublished review cannot reach a public page.
``selectors`` fetches, ``views`` shows (cacheable, no session, no edit links), ``feeds`` are
the Atom feeds of new final updates.
"""
