from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from services.api.access import requires
from services.api.auth import Caller
from services.api.deps import SessionDep
from services.api.erasures.service import ErasureOut, erase_child
from services.api.problems import V1_PROBLEMS
from services.api.types import Id
from shared.access import Scope

router = APIRouter(prefix="/v1/admin/erasures", tags=["admin"], responses=V1_PROBLEMS)


class ErasureIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    child_id: Id = Field(min_length=1, max_length=64, description="The council's own id of the child to erase")


@router.post(
    "",
    response_model=ErasureOut,
    summary="Erase a child: every record and figure goes; the audit log keeps the pseudonym only",
)
async def create_erasure(
    body: ErasureIn, db: SessionDep, caller: Annotated[Caller, requires(Scope.CHILDREN_ERASE)]
) -> ErasureOut:
    return await erase_child(db, caller.la_id, body.child_id)
