from shared.errors import PreconditionFailed, PreconditionRequired


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(header: str | None) -> int:
    if header is None:
        raise PreconditionRequired(
            "Send If-Match with the ETag from your last read, so an amendment never overwrites one you have not seen."
        )
    value = header.strip().removeprefix("W/").strip('"')
    if not value.isdigit():
        raise PreconditionFailed("If-Match does not name a version of this record.")
    return int(value)
