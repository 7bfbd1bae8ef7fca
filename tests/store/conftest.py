import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from arrkestra.store.connection import connect
from arrkestra.store.migrations import migrate


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "arrkestra.db"


@pytest.fixture
def conn(db_path: Path) -> Iterator[sqlite3.Connection]:
    connection = connect(db_path)
    migrate(connection)
    yield connection
    connection.close()
