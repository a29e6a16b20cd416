"""Project signals (sent with ``crawler.signals.send_catch_log``).

``articles_stored``: sent by the StorePipeline after each committed batch, with keyword arguments ``new`` and
``updated`` (lists of the ``Article`` items that the batch inserted or changed). The per-run feed of what a run
added or changed (``ANTARA_NEW_ITEMS_FEED``) listens to it.
"""

articles_stored = object()
