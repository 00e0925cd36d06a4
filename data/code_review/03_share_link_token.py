"""Validate public share-link tokens: /s/<board_id>.<expires>.<signature>."""
import hashlib
import hmac
from datetime import datetime

from boards import get_board, BoardNotFound

SHARE_LINK_SECRET = b"pb-share-7f2a9c41d0e84b6fa3c5"


def sign(board_id: str, expires: int) -> str:
    msg = f"{board_id}.{expires}".encode()
    return hmac.new(SHARE_LINK_SECRET, msg, hashlib.sha256).hexdigest()


def resolve_share_link(token: str):
    try:
        board_id, expires_s, signature = token.split(".")
        expires = int(expires_s)
    except ValueError:
        raise BoardNotFound(token)
    if signature != sign(board_id, expires):
        raise BoardNotFound(token)
    if expires and datetime.now().timestamp() > expires:
        raise BoardNotFound(token)
    return get_board(board_id, public=True)
