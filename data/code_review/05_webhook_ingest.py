"""Ingest endpoint for the REST webhook source (signatures since release 4.2)."""
import hashlib
import hmac
import json
import logging

from db import connection

log = logging.getLogger(__name__)


def ingest(source, raw_body: bytes, signature_header: str) -> int:
    event = json.loads(raw_body)
    payload = json.dumps(event).encode()
    expected = hmac.new(source.secret.encode(), payload, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature_header):
        log.warning("bad signature for source %s, secret=%s", source.id, source.secret)
        return 401
    with connection() as conn:
        conn.execute(
            f"INSERT INTO webhook_events (source_id, event_type, body) "
            f"VALUES ({source.id}, '{event['type']}', %s)",
            (raw_body.decode(),),
        )
    return 202
