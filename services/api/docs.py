"""The API's docs page, Swagger UI, with its script, stylesheet and favicon served by the service itself
(the pinned fastapi-offline package ships them), so it renders on a council network that reaches no CDN.
ReDoc is not served: one docs page, and a CSP with nothing but this service in it."""

from typing import Any

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

DOCS_URL = "/docs"
ASSETS_URL = "/docs/assets"


def app_with_docs(**settings: Any) -> FastAPI:
    """A FastAPI application whose /docs loads only from this service."""
    return FastAPIOffline(docs_url=DOCS_URL, redoc_url=None, static_url=ASSETS_URL, **settings)
