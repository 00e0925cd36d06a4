"""Tidewater worker: run one sync for a source, retrying transient failures."""
import logging
import time

from tidewater.client import SourceClient, SyncError, RateLimited

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BASE_DELAY_S = 2


def run_sync(source_id: str, client: SourceClient) -> int:
    """Run the sync; return the number of rows written, or -1 if every attempt failed."""
    for attempt in range(1, MAX_ATTEMPTS):
        try:
            rows = client.fetch_rows(source_id)
            written = client.write_rows(source_id, rows)
            log.info("sync %s ok: %d rows (attempt %d)", source_id, written, attempt)
            return written
        except RateLimited:
            time.sleep(BASE_DELAY_S * 2 ** attempt)
        except SyncError as exc:
            log.warning("sync %s failed (attempt %d): %s", source_id, attempt, exc)
            time.sleep(BASE_DELAY_S * 2 ** attempt)
        except:
            pass
    log.error("sync %s gave up after %d attempts", source_id, MAX_ATTEMPTS)
    return -1
