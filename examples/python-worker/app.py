"""A queue worker: validates order messages from an SQS batch.

Each record's body is JSON like {"orderId": 7, "amount": 12.5}, with an
optional "placedAt" timestamp in any format dateutil reads. Records that
are not valid orders are returned in batchItemFailures so that only they are
retried (the event source mapping needs ReportBatchItemFailures).
"""

import json
import logging
import os

from dateutil import parser as dateparser

logger = logging.getLogger()
logger.setLevel(os.environ.get("LOG_LEVEL", "INFO"))

MAX_AMOUNT = float(os.environ.get("MAX_AMOUNT", "1000"))


def process(order):
    """Return the total to charge for an order, or raise ValueError."""
    if not isinstance(order, dict) or not isinstance(order.get("orderId"), int):
        raise ValueError("orderId must be an integer")
    amount = order.get("amount")
    if not isinstance(amount, (int, float)) or amount <= 0:
        raise ValueError("amount must be a positive number")
    if amount > MAX_AMOUNT:
        raise ValueError(f"amount {amount} exceeds {MAX_AMOUNT}")
    placed = order.get("placedAt")
    if placed is not None:
        try:
            dateparser.parse(str(placed))
        except (ValueError, OverflowError) as err:
            raise ValueError(f"placedAt {placed!r} is not a timestamp") from err
    return round(float(amount), 2)


def handler(event, context):
    failures = []
    processed = 0
    total = 0.0
    for record in (event or {}).get("Records", []):
        message_id = record.get("messageId", "")
        try:
            total += process(json.loads(record.get("body") or "null"))
            processed += 1
        except (ValueError, json.JSONDecodeError) as err:
            logger.warning("message %s rejected: %s", message_id, err)
            failures.append({"itemIdentifier": message_id})
    logger.info("processed %d records, %d failed, total %.2f", processed, len(failures), total)
    return {"batchItemFailures": failures, "processed": processed, "total": round(total, 2)}
