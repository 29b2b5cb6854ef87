# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fixtures of the restore-check tests: CVAT-like source and restored databases on the test PostgreSQL server,
and a runner that calls the modules through ansible-playbook, as the restore test playbook does."""

from __future__ import annotations

import contextlib
import json
import os
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from infra.playbook import PlaybookRun, run_playbook
from pgserver import PostgresServer, quote_ident
from restore import cvat_db

INVENTORY = """\
all:
  hosts:
    localhost:
      ansible_connection: local
      ansible_python_interpreter: "{{ ansible_playbook_python }}"
"""

# Every option comes from a variable of the same name prefixed with check_; unset ones are omitted.
PLAYBOOK = """\
- name: Run one restore integrity check
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Check
      cvatops.aws.{module}:
{options}
      register: __check
"""

POSTGRES_OPTIONS = ("source", "restored", "ssl_mode", "ca_file", "connect_timeout", "tables", "count_tables",
                    "changed_columns", "as_of", "sample_size", "allow_source_deletions")
FILE_TREE_OPTIONS = ("source", "restored", "as_of", "sample_size", "max_files", "report_limit")


def _playbook(module: str, options: tuple[str, ...]) -> str:
    lines = "\n".join(f'        {name}: "{{{{ check_{name} | default(omit) }}}}"' for name in options)
    return PLAYBOOK.format(module=module, options=lines)


@dataclass
class ModuleRunner:
    """Runs one module task through ansible-playbook; the options go through an extra-vars file, never the command line."""

    directory: Path
    module: str
    options: tuple[str, ...]

    def __post_init__(self) -> None:
        self.inventory = self.directory / "hosts.yml"
        self.inventory.write_text(INVENTORY)
        self.playbook = self.directory / f"{self.module}.yml"
        self.playbook.write_text(_playbook(self.module, self.options))

    def __call__(self, *args: str, json_output: bool = True, **options: Any) -> PlaybookRun:
        unknown = set(options) - set(self.options)
        assert not unknown, f"not options of the test playbook: {unknown}"
        extra = self.directory / f"vars-{os.urandom(6).hex()}.json"
        extra.write_text(json.dumps({f"check_{name}": value for name, value in options.items()}, default=str))
        try:
            return run_playbook(str(self.playbook), dict(os.environ), "-e", f"@{extra}", *args,
                                inventory=self.inventory, json_output=json_output, timeout=300)
        finally:
            extra.unlink()


def check_result(run: PlaybookRun) -> dict[str, Any]:
    """The module's result of the one task of the test playbook."""
    return run.result("Check")


def failed_checks(result: dict[str, Any]) -> list[str]:
    return [check["name"] for check in result["checks"] if not check["passed"]]


@pytest.fixture(scope="session")
def pg_check(tmp_path_factory) -> ModuleRunner:
    return ModuleRunner(tmp_path_factory.mktemp("pg-check"), "postgres_restore_check", POSTGRES_OPTIONS)


@pytest.fixture(scope="session")
def tree_check(tmp_path_factory) -> ModuleRunner:
    return ModuleRunner(tmp_path_factory.mktemp("tree-check"), "file_tree_compare", FILE_TREE_OPTIONS)


@pytest.fixture(scope="session")
def cvat_template(postgres_server: PostgresServer):
    """A database loaded once with the CVAT-like schema and data: the template of every test's two databases."""
    name = postgres_server.create_database()
    with contextlib.closing(postgres_server.connect(name, autocommit=False)) as conn:
        counts = cvat_db.load(conn)
    try:
        yield name, counts
    finally:
        postgres_server.drop_database(name)


@dataclass
class CvatDatabases:
    """A source database and its restored copy, both made from the same template, and the loaded row counts."""

    server: PostgresServer
    source: str
    restored: str
    counts: dict[str, int]

    def endpoint(self, side: str, **overrides: Any) -> dict[str, Any]:
        """The module's source/restored option: host localhost (the certificate's name) reached via 127.0.0.1."""
        endpoint = dict(host="localhost", hostaddr=self.server.host, port=self.server.port,
                        database=getattr(self, side), user=self.server.user, password=self.server.password)
        endpoint.update(overrides)
        return endpoint

    def options(self, **overrides: Any) -> dict[str, Any]:
        """Options that make the identical copy pass: verify-full with the server's CA, as of the data's recovery point."""
        options = dict(source=self.endpoint("source"), restored=self.endpoint("restored"), ssl_mode="verify-full",
                       ca_file=str(self.server.ca_file), as_of=cvat_db.CREATED_UNTIL.isoformat())
        options.update(overrides)
        return options

    def execute(self, side: str, statement: str, params: Any = None) -> None:
        """Run SQL as the owner on one side (the test's way of changing the source or damaging the copy)."""
        with contextlib.closing(self.server.connect(getattr(self, side))) as conn, conn.cursor() as cur:
            cur.execute(textwrap.dedent(statement), params)


@pytest.fixture
def cvat_databases(postgres_server: PostgresServer, cvat_template):
    template, counts = cvat_template
    names = []
    try:
        with contextlib.closing(postgres_server.connect("postgres", superuser=True)) as conn, conn.cursor() as cur:
            for _side in ("source", "restored"):
                name = f"t_{os.urandom(8).hex()}"
                cur.execute(f"CREATE DATABASE {quote_ident(name)} TEMPLATE {quote_ident(template)} OWNER {quote_ident(postgres_server.user)}")
                names.append(name)
        yield CvatDatabases(postgres_server, names[0], names[1], counts)
    finally:
        for name in names:
            postgres_server.drop_database(name)
