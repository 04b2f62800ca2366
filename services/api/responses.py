"""A hot read's model sent as it is: FastAPI would validate it again against the route's response_model
and encode it through jsonable_encoder, several times pydantic's own JSON dump on a child's figures.
The route keeps its response_model, which documents what this sends."""

from fastapi import Response
from pydantic import BaseModel


def json_of(model: BaseModel, headers: dict[str, str] | None = None) -> Response:
    return Response(model.model_dump_json(), media_type="application/json", headers=headers)
