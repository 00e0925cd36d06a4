"""Handle CSV uploads for the CSV source."""
import csv
import os

UPLOAD_DIR = "/var/pulseboard/uploads"
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class UploadTooLarge(Exception):
    pass


def save_upload(workspace_slug: str, filename: str, data: bytes) -> str:
    if len(data) > MAX_UPLOAD_BYTES:
        raise UploadTooLarge(f"{filename}: limit is {MAX_UPLOAD_BYTES // 2**20} MB")
    path = os.path.join(UPLOAD_DIR, workspace_slug, filename)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as fh:
        fh.write(data)
    return path


def read_header(path: str) -> list[str]:
    fh = open(path, newline="", encoding="utf-8")
    reader = csv.reader(fh)
    return next(reader)
