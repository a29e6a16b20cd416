"""``SettledIdsMiddleware``: a backfill's id request whose id the ledger has settled is not sent.

The backfill asks the ledger which ids to request when it starts, but a request can outlive that answer: Scrapy's
JOBDIR queue replays, after a ``kill -9``, requests that were already done (its read position is saved only on a
clean stop), and another process sharing the backfill may have settled the id since. Just before download, this
middleware reads the id's ledger entry (one primary-key lookup) and drops the request when it is settled
(stat ``antara/backfill/skipped_settled``), and drops a second request for an id this process already sent
(``antara/backfill/skipped_duplicate``: the replayed queue and this run's start both hold it). Only requests marked ``antara_settle_check`` are looked at; probes of a
bisection and every other request go through unchanged.
"""

from __future__ import annotations

import logging

from scrapy.exceptions import IgnoreRequest
from sqlalchemy.exc import SQLAlchemyError

from antara_crawler.backfill import IdSet
from antara_crawler.store import get_archive, ledger

logger = logging.getLogger(__name__)


class SettledIdsMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler
        self.recheck_days = crawler.settings.getfloat("ANTARA_RECHECK_DAYS")
        self.max_rechecks = crawler.settings.getint("ANTARA_NOT_FOUND_RECHECKS")
        self.sent = IdSet()  # ids this process let through (a bit each)

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_request(self, request, spider=None):
        meta = request.meta
        ref = meta.get("antara_ref")
        if not meta.get("antara_settle_check") or ref is None or "retry_times" in meta or "redirect_times" in meta:
            return None  # not a backfill's first request for the id (a retry, a redirect's follow-up)
        if ref.key in self.sent:
            # the same id twice in one process: a JOBDIR queue replaying what this run's start also generated
            self.crawler.stats.inc_value("antara/backfill/skipped_duplicate")
            raise IgnoreRequest(f"already requested in this run: {ref.portal} {ref.antara_id}")
        if not await self.unsettled(ref.portal, ref.antara_id):
            self.crawler.stats.inc_value("antara/backfill/skipped_settled")
            raise IgnoreRequest(f"settled in the ledger: {ref.portal} {ref.antara_id}")
        self.sent.add(ref.key)
        return None

    async def unsettled(self, portal: str, antara_id: int) -> bool:
        try:
            engine = get_archive(self.crawler).engine
            todo = ledger.unsettled(
                engine, portal, antara_id, antara_id, recheck_days=self.recheck_days, max_rechecks=self.max_rechecks
            )
        except SQLAlchemyError:
            logger.warning("Could not read the ledger for %s %s; requesting it", portal, antara_id, exc_info=True)
            return True
        return bool(todo)
