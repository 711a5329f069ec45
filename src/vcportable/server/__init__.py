"""The regional VC-API service (FastAPI): issue, verify, revoke, publish status lists.

``create_app(load_config(path))`` builds the application; ``vcportable serve`` runs it under
uvicorn. See docs/server.md.
"""

from __future__ import annotations

from .app import create_app
from .config import ServerConfig, load_config

__all__ = ["ServerConfig", "create_app", "load_config"]
