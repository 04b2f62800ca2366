"""Instruments: a council's admin loads its own (JSON or YAML); every client that rates or reads figures
lists the instruments its council can use, shipped and own."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from services.api import audit
from services.api.access import requires
from services.api.auth import Caller
from services.api.deps import SessionDep
from services.api.instruments import service
from services.api.instruments.schemas import DOCUMENT_SCHEMA, InstrumentDetailOut, InstrumentOut
from services.api.problems import V1_PROBLEMS, documented
from services.api.types import Id
from shared.access import Scope
from shared.errors import ProblemError, field_error
from shared.instruments.document import InstrumentInvalid

router = APIRouter(responses=V1_PROBLEMS)
Reader = Annotated[Caller, requires(Scope.INSTRUMENTS_READ)]
JSON_TYPES = ("application/json",)
YAML_TYPES = ("application/yaml", "text/yaml", "application/x-yaml", "text/x-yaml")


class UnsupportedMediaType(ProblemError):
    status = 415
    slug = "unsupported-media-type"
    title = "Unsupported media type"


DOCUMENT_BODY = {
    "requestBody": {
        "required": True,
        "description": (
            "The instrument document, as JSON or YAML (see shared/instruments/needs-v1.json). Types are strict, "
            "and every fault is listed with its field: duplicate codes, a domain in no outcome area, a scale "
            "with gaps, thresholds off the scale, compatible_with naming a version not loaded or rated otherwise."
        ),
        "content": {media: {"schema": DOCUMENT_SCHEMA} for media in (*JSON_TYPES, *YAML_TYPES[:2])},
    }
}


def document_text(body: bytes, content_type: str | None) -> str:
    media = (content_type or "").split(";")[0].strip().lower()
    known = media in JSON_TYPES or media in YAML_TYPES or media.endswith(("+json", "+yaml"))
    if media and not known:
        raise UnsupportedMediaType(f"Send the instrument as application/json or application/yaml, not {media}.")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise InstrumentInvalid([field_error("document", "is not UTF-8 text")]) from None


@router.post(
    "/v1/admin/instruments",
    status_code=201,
    response_model=InstrumentDetailOut,
    responses=documented(409, 415),
    tags=["admin"],
    openapi_extra=DOCUMENT_BODY,
    summary="Load an instrument of the council's own, or a new version of one (JSON or YAML)",
)
async def create_instrument(
    request: Request,
    response: Response,
    db: SessionDep,
    caller: Annotated[Caller, requires(Scope.INSTRUMENTS_MANAGE)],
) -> InstrumentDetailOut:
    content_type = request.headers.get("content-type")
    text = document_text(await request.body(), content_type)
    instrument = await service.load_instrument(db, caller.la_id, text, content_type)
    response.headers["Location"] = f"/v1/instruments/{instrument.code}/{instrument.version}"
    return InstrumentDetailOut.of(instrument)


@router.get(
    "/v1/instruments",
    response_model=list[InstrumentOut],
    tags=["instruments"],
    summary="The instruments this council can rate with: shipped for every council, and its own",
)
async def list_instruments(db: SessionDep, caller: Reader) -> list[InstrumentOut]:
    return [InstrumentOut.of(instrument) for instrument in await service.list_instruments(db, caller.la_id)]


@router.get(
    "/v1/instruments/{code}/{version}",
    response_model=InstrumentDetailOut,
    tags=["instruments"],
    summary="One instrument version with its whole definition",
)
async def get_instrument(
    code: Annotated[Id, Path(max_length=64, description="The instrument's code")],
    version: Annotated[int, Path(ge=1, le=service.MAX_VERSION, description="Its version")],
    db: SessionDep,
    caller: Reader,
) -> InstrumentDetailOut:
    audit.note(db, target=f"instrument:{code}:{version}")
    return InstrumentDetailOut.of(await service.require_instrument(db, caller.la_id, code, version))
