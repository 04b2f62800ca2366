"""A hot read's body sent as it is, a model or the fields of one (in its order): FastAPI would validate it
again against the route's response_model and encode it through jsonable_encoder, several times pydantic's own
JSON dump on a child's figures. The route keeps its response_model, which documents what this sends."""

from collections.abc import Mapping
from typing import Any

from fastapi import Response
from pydantic import BaseModel
from pydantic_core import to_json


def json_of(body: BaseModel | Mapping[str, Any], headers: Mapping[str, str] | None = None) -> Response:
    content = body.model_dump_json() if isinstance(body, BaseModel) else to_json(body)
    return Response(content, media_type="application/json", headers=headers)
