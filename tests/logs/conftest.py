from __future__ import annotations

from pathlib import Path

import pytest

from ringfence.logs.ingest import ingest
from ringfence.logs.store import Store

ROOT = Path(__file__).resolve().parents[2]
DATASETS = ROOT.parent / "shared" / "datasets"
STRATUS = DATASETS / "cloudtrail" / "stratus-red-team"
INVICTUS = DATASETS / "cloudtrail" / "invictus-sigma-aws"


@pytest.fixture(scope="session")
def shared_store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """Both CloudTrail datasets ingested once per test session."""
    store = Store(tmp_path_factory.mktemp("store"))
    result = ingest([STRATUS, INVICTUS], store)
    assert result.errors == ()
    return store
