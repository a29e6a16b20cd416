"""Item pipelines, one class per concern, in the order settings.ITEM_PIPELINES runs them:

1. ``ValidationPipeline`` drops what must never be stored (no id, no title, no body), with a counted reason.
2. ``DatesPipeline`` counts the dates extraction could not parse (dates are filled once, by ``extract/``).
3. ``StorePipeline`` writes the archive in batches.
"""

from antara_crawler.pipelines.dates import DatesPipeline
from antara_crawler.pipelines.store import StorePipeline
from antara_crawler.pipelines.validate import ValidationPipeline

__all__ = ["DatesPipeline", "StorePipeline", "ValidationPipeline"]
