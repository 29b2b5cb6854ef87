#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

DOCUMENTATION = r"""
module: postgres_restore_check
short_description: Check a restored copy of CVAT's PostgreSQL database against its source
version_added: 0.1.0
description:
  - Connects over TLS to the source database and to a restored copy of it (for example an RDS instance restored
    from an AWS Backup recovery point) and checks that the copy is complete and intact.
  - "The checks: TLS is really in use on both connections (the server's C(pg_stat_ssl) row of the module's own
    session, and the client's view); every table of O(tables) exists in the restored copy; for each table of
    O(count_tables) the restored copy has at least as many rows as the source has as of O(as_of) (exactly as many
    with O(allow_source_deletions=false)); and the first O(sample_size) rows by primary key of each of those tables
    have the same MD5 checksum (over their text form) on both sides."
  - The source is live and has changed since the recovery point. Rows are therefore counted on both sides with the
    same filter, C(column <= as_of), and rows changed after O(as_of) (see O(changed_columns)) are left out of the
    sample. A conservative O(as_of), a little earlier than the recovery point, is safe for the same reason.
  - Only reads. Both sessions run one C(REPEATABLE READ) C(READ ONLY) transaction each, so the counts and checksums
    of one side come from one snapshot, and the module cannot write even when a query would try to.
  - When a check fails, the module fails with a message naming the failed checks, and still returns every key
    documented below, so that a playbook can register the result in a C(block)/C(rescue) and report it.
  - Passwords never appear in the result or in error messages.
  - Needs the Python library C(psycopg2) (or C(psycopg2-binary)) on the host that runs the module.
author:
  - cvatops maintainers (@cvatops)
requirements:
  - psycopg2 >= 2.8
options:
  source:
    description:
      - The database the backup was taken from (CVAT's live database).
    type: dict
    required: true
    suboptions: &endpoint
      host:
        description:
          - The server's host name. With O(ssl_mode=verify-full) the server's certificate must be issued for this name.
        type: str
        required: true
      hostaddr:
        description:
          - An IP address to connect to instead of resolving C(host), while C(host) stays the name that the server's
            certificate is checked against.
          - This is how a tunnel or an SSM port forward is used, for example C(host=db.abc.us-east-1.rds.amazonaws.com)
            with C(hostaddr=127.0.0.1) and the forwarded C(port).
        type: str
      port:
        description:
          - The server's TCP port.
        type: int
        default: 5432
      database:
        description:
          - The database name.
        type: str
        required: true
      user:
        description:
          - The user to log in as. It only needs C(SELECT) on the checked tables.
        type: str
        required: true
      password:
        description:
          - The user's password. Without it libpq's own sources apply (C(~/.pgpass), C(PGPASSWORD)).
        type: str
  restored:
    description:
      - The restored copy, for example the temporary instance that the restore test created from a recovery point.
    type: dict
    required: true
    suboptions: *endpoint
  ssl_mode:
    description:
      - libpq's C(sslmode) for both connections.
      - Only modes that insist on TLS are offered, not C(disable), C(allow) or C(prefer), because the check must prove
        that the database is reached over TLS.
    type: str
    default: verify-full
    choices: [require, verify-ca, verify-full]
  ca_file:
    description:
      - A file with the certificate authorities that may sign the servers' certificates, for example RDS's
        C(global-bundle.pem).
      - Required with O(ssl_mode=verify-ca) and O(ssl_mode=verify-full).
    type: path
  connect_timeout:
    description:
      - Seconds to wait for each connection.
    type: int
    default: 10
  tables:
    description:
      - Tables (C(table) in schema C(public), or C(schema.table)) that must exist in the restored copy.
      - The default lists CVAT's core tables (CVAT 2.x).
    type: list
    elements: str
    default: [auth_user, auth_group, django_migrations, organizations_organization, organizations_membership,
              engine_project, engine_task, engine_data, engine_segment, engine_job, engine_image, engine_label,
              engine_attributespec, engine_labeledimage, engine_labeledshape, engine_labeledtrack, engine_trackedshape,
              engine_issue, engine_comment, engine_cloudstorage, engine_storage, engine_profile]
  count_tables:
    description:
      - Tables whose rows are counted and sampled on both sides, each mapped to the column that holds the time a row
        was created, or to V(null) when the table has none.
      - With a column and O(as_of), only rows with C(column <= as_of) are counted and sampled, on both sides.
      - A table without a column is counted whole, so it only passes when the source has not changed it since the
        recovery point. CVAT's tables without such a column (labels, segments, data) grow with every new task,
        which is why they are not in the default.
    type: dict
    default:
      auth_user: date_joined
      django_migrations: applied
      engine_project: created_date
      engine_task: created_date
      engine_job: created_date
      engine_issue: created_date
      engine_comment: created_date
      engine_cloudstorage: created_date
  changed_columns:
    description:
      - For tables of O(count_tables), the column that holds the time a row last changed.
      - With O(as_of), rows changed after O(as_of) in the source are left out of the sample, because the restored
        copy holds them as they were; rows where the column is null are kept.
      - Entries for tables that are not in O(count_tables) are ignored.
    type: dict
    default:
      auth_user: last_login
      engine_project: updated_date
      engine_task: updated_date
      engine_job: updated_date
      engine_issue: updated_date
      engine_comment: updated_date
      engine_cloudstorage: updated_date
  as_of:
    description:
      - The time of the recovery point (ISO 8601, for example AWS Backup's C(CreationDate)); a time without an offset
        is UTC.
      - Without it every row counts and the sample is taken from all rows, which only passes while the source has
        not changed since the recovery point.
    type: str
  sample_size:
    description:
      - How many rows (the first by primary key) of each table of O(count_tables) are checksummed on both sides.
      - V(0) turns the checksums off.
    type: int
    default: 100
  allow_source_deletions:
    description:
      - Whether a table of O(count_tables) passes when the restored copy has more rows than the source as of
        O(as_of). Such rows existed at the recovery point and have been deleted in the source since, which is
        normal in CVAT (deleting a task deletes its jobs, issues and comments); the check's detail reports how
        many.
      - Fewer rows in the restored copy than in the source always fail (rows are missing).
      - V(false) requires the same count on both sides, for a source known not to have deleted anything since
        the recovery point.
    type: bool
    default: true
notes:
  - The restored copy is compared with the source as the source is now, which cannot tell which of its rows
    existed at O(as_of) and have been deleted since. With O(allow_source_deletions=true) (the default) the count
    check therefore proves that no row is missing from the restored copy only as far as rows deleted in the source
    do not offset them; the checksum of the sample still finds missing or differing rows among the first
    O(sample_size) rows of a table. With O(allow_source_deletions=false) the counts must be equal, which fails as
    soon as the source has deleted a row since O(as_of).
  - The sample is chosen in the source (its first rows by primary key, as of O(as_of)) and the restored copy is
    checksummed over exactly those primary keys. A row deleted in the source is therefore not sampled, and the
    extra row in the restored copy is not in its checksum either, so deletions in the source never fail the
    checksum.
  - The checksum is taken over each row's text form with the same session settings on both sides (C(TimeZone=UTC),
    C(DateStyle=ISO)), so it does not depend on the servers' configuration.
attributes:
  check_mode:
    support: full
    description: The module only reads; in check mode it runs the same read-only checks.
  diff_mode:
    support: none
    description: Nothing changes, so there is nothing to show.
seealso:
  - module: cvatops.aws.file_tree_compare
"""

EXAMPLES = r"""
- name: Check the restored database against CVAT's live one, through an SSM port forward for the restored copy
  cvatops.aws.postgres_restore_check:
    source:
      host: "{{ database_endpoint }}"
      database: cvat
      user: cvat
      password: "{{ __cvat_db_password }}"
    restored:
      host: "{{ __restored_instance.endpoint.address }}"
      hostaddr: 127.0.0.1
      port: 15432
      database: cvat
      user: cvat
      password: "{{ __cvat_db_password }}"
    ca_file: /etc/ssl/certs/rds-global-bundle.pem
    as_of: "{{ __recovery_point.creation_date }}"
  register: __restore_check

- name: Count every label too, where the source is known to be idle (no as_of filter for tables without a column)
  cvatops.aws.postgres_restore_check:
    source: "{{ source_db }}"
    restored: "{{ restored_db }}"
    ssl_mode: verify-ca
    ca_file: ca.pem
    allow_source_deletions: false
    count_tables:
      engine_task: created_date
      engine_label: null
    sample_size: 500
"""

RETURN = r"""
passed:
  description: Whether every check passed.
  returned: always
  type: bool
  sample: true
checks:
  description: Every check that ran, in order, with a one-line detail.
  returned: always
  type: list
  elements: dict
  contains:
    name:
      description: The check, for example C(tls restored), C(tables present), C(count engine_task), C(checksum engine_task).
      type: str
    passed:
      description: Whether it passed.
      type: bool
    detail:
      description: What was found.
      type: str
  sample:
    - {name: tls restored, passed: true, detail: "TLSv1.3 TLS_AES_256_GCM_SHA384 (sslmode verify-full)"}
    - {name: count engine_task, passed: false, detail: "source 120, restored 118 (created_date <= 2026-01-31T03:00:00.000000Z)"}
counts:
  description: For each table of O(count_tables), its row count on each side (null where it could not be counted).
  returned: always
  type: dict
  sample: {"engine_task": {"source": 120, "restored": 120}}
checksums:
  description: For each table of O(count_tables) that was sampled, the rows sampled and the checksum of each side.
  returned: always
  type: dict
  sample: {"engine_task": {"rows": 100, "source": "1f3870be274f6c49b3e31a0c6728957f", "restored": "1f3870be274f6c49b3e31a0c6728957f"}}
missing_tables:
  description: The tables of O(tables) that the restored copy lacks.
  returned: always
  type: list
  elements: str
  sample: [engine_job]
tls:
  description: The TLS protocol and cipher of each connection, as the server reports them.
  returned: always
  type: dict
  sample: {"source": {"version": "TLSv1.3", "cipher": "TLS_AES_256_GCM_SHA384"}, "restored": {"version": "TLSv1.3", "cipher": "TLS_AES_256_GCM_SHA384"}}
as_of:
  description: O(as_of) as UTC, or null.
  returned: always
  type: str
  sample: "2026-01-31T03:00:00.000000Z"
seconds:
  description: How long the checks took.
  returned: always
  type: float
  sample: 1.42
"""

import traceback

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.cvatops.aws.plugins.module_utils.restore_checks import (
    CheckList,
    Stopwatch,
    finish,
    first_line,
    format_time,
)
from ansible_collections.cvatops.aws.plugins.module_utils.secrets import scrub
from ansible_collections.cvatops.aws.plugins.module_utils.timeparse import parse_time

try:
    import psycopg2
    import psycopg2.extensions
    from psycopg2 import sql
except ImportError:
    HAS_PSYCOPG2 = False
    PSYCOPG2_IMPORT_ERROR = traceback.format_exc()
else:
    HAS_PSYCOPG2 = True
    PSYCOPG2_IMPORT_ERROR = None

SUBJECT = "restored database check failed"
SIDES = ("source", "restored")
DEFAULT_SCHEMA = "public"
# The checksum hashes each row's text form: make it the same on both servers, whatever their configuration.
SESSION_SETTINGS = (
    ("TimeZone", "UTC"),
    ("DateStyle", "ISO, YMD"),
    ("IntervalStyle", "postgres"),
    ("extra_float_digits", "3"),
    ("bytea_output", "hex"),
)

ENDPOINT_OPTIONS = dict(
    host=dict(type="str", required=True),
    hostaddr=dict(type="str"),
    port=dict(type="int", default=5432),
    database=dict(type="str", required=True),
    user=dict(type="str", required=True),
    password=dict(type="str", no_log=True),
)


class QueryError(Exception):
    """A query of one check failed; the message is the server's first line, already scrubbed."""


def argument_spec():
    return dict(
        source=dict(type="dict", required=True, options=ENDPOINT_OPTIONS),
        restored=dict(type="dict", required=True, options=ENDPOINT_OPTIONS),
        ssl_mode=dict(type="str", default="verify-full", choices=["require", "verify-ca", "verify-full"]),
        ca_file=dict(type="path"),
        connect_timeout=dict(type="int", default=10),
        tables=dict(type="list", elements="str", default=[
            "auth_user", "auth_group", "django_migrations", "organizations_organization", "organizations_membership",
            "engine_project", "engine_task", "engine_data", "engine_segment", "engine_job", "engine_image", "engine_label",
            "engine_attributespec", "engine_labeledimage", "engine_labeledshape", "engine_labeledtrack",
            "engine_trackedshape", "engine_issue", "engine_comment", "engine_cloudstorage", "engine_storage",
            "engine_profile",
        ]),
        count_tables=dict(type="dict", default={
            "auth_user": "date_joined",
            "django_migrations": "applied",
            "engine_project": "created_date",
            "engine_task": "created_date",
            "engine_job": "created_date",
            "engine_issue": "created_date",
            "engine_comment": "created_date",
            "engine_cloudstorage": "created_date",
        }),
        changed_columns=dict(type="dict", default={
            "auth_user": "last_login",
            "engine_project": "updated_date",
            "engine_task": "updated_date",
            "engine_job": "updated_date",
            "engine_issue": "updated_date",
            "engine_comment": "updated_date",
            "engine_cloudstorage": "updated_date",
        }),
        as_of=dict(type="str"),
        sample_size=dict(type="int", default=100),
        allow_source_deletions=dict(type="bool", default=True),
    )


def split_table(name):
    """(schema, table) of C(table) or C(schema.table)."""
    schema, dot, table = name.partition(".")
    return (schema, table) if dot else (DEFAULT_SCHEMA, name)


def option_errors(params):
    """What the argument spec cannot check, as messages naming the option."""
    errors = []
    if params["ssl_mode"] in ("verify-ca", "verify-full") and not params["ca_file"]:
        errors.append("ca_file is required with ssl_mode=%s: libpq needs the authorities that sign the servers' certificates" % params["ssl_mode"])
    if params["sample_size"] < 0:
        errors.append("sample_size must be 0 or more, not %d" % params["sample_size"])
    if params["connect_timeout"] < 1:
        errors.append("connect_timeout must be at least 1 second")
    for option in ("count_tables", "changed_columns"):
        for table, column in sorted((params[option] or {}).items()):
            if column is not None and (not isinstance(column, str) or not column):
                errors.append("%s: the column of %s must be a column name or null, not %r" % (option, table, column))
    for name in list(params["tables"]) + sorted(params["count_tables"] or {}):
        schema, table = split_table(name)
        if not schema or not table:
            errors.append("%r is not a table name (table or schema.table)" % name)
    return errors


def connect_kwargs(endpoint, ssl_mode, ca_file, connect_timeout):
    """psycopg2.connect() keyword arguments (libpq parameters) for one side."""
    kwargs = dict(
        host=endpoint["host"],
        port=endpoint["port"],
        dbname=endpoint["database"],
        user=endpoint["user"],
        sslmode=ssl_mode,
        connect_timeout=connect_timeout,
        application_name="cvatops-restore-check",
    )
    if endpoint.get("hostaddr"):
        kwargs["hostaddr"] = endpoint["hostaddr"]
    if endpoint.get("password") is not None:
        kwargs["password"] = endpoint["password"]
    if ca_file:
        kwargs["sslrootcert"] = ca_file
    return kwargs


def describe_endpoint(endpoint):
    via = " via %s" % endpoint["hostaddr"] if endpoint.get("hostaddr") else ""
    return "%s:%s/%s%s" % (endpoint["host"], endpoint["port"], endpoint["database"], via)


def tls_verdict(state, ssl_mode):
    """(passed, detail) for one connection's TLS state {server_ssl, client_ssl, version, cipher}."""
    if state.get("server_ssl") is not True:
        return False, "the server reports this session as not encrypted (pg_stat_ssl.ssl = %s)" % state.get("server_ssl")
    if state.get("client_ssl") is False:
        return False, "libpq reports the connection as not encrypted"
    return True, "%s %s (sslmode %s)" % (state.get("version"), state.get("cipher"), ssl_mode)


def count_verdict(source, restored, column, as_of, allow_source_deletions):
    """(passed, detail) of one table's counts; None stands for a table that could not be counted.

    A surplus in the restored copy passes with allow_source_deletions: the source can only lose rows that existed
    at as_of by deleting them, while a restore that went wrong loses rows and never invents any.
    """
    scope = "%s <= %s" % (column, format_time(as_of)) if column and as_of else "all rows"
    if source is None or restored is None:
        return False, "could not count both sides (source %s, restored %s)" % (source, restored)
    detail = "source %d, restored %d (%s)" % (source, restored, scope)
    if restored < source:
        return False, detail + ": %d rows missing in the restored copy" % (source - restored)
    if restored > source and allow_source_deletions:
        return True, detail + ": %d rows more than the live database: deleted there since the recovery point" % (restored - source)
    if restored > source:
        return False, detail + ": the restored copy has %d rows more" % (restored - source)
    return True, detail


def checksum_verdict(rows, source, restored):
    """(passed, detail) of one table's sample: source and restored are (rows found, md5)."""
    if source[1] == restored[1] and source[0] == restored[0]:
        return True, "%d rows, md5 %s" % (rows, source[1]) if rows else "no rows to sample"
    if restored[0] != source[0]:
        return False, "the restored copy has %d of the %d sampled rows" % (restored[0], source[0])
    return False, "the %d sampled rows differ (md5 source %s, restored %s)" % (rows, source[1], restored[1])


def row_filter(column, changed_column, as_of):
    """The WHERE clause (sql.Composable or None) and its parameters that keep rows as of as_of."""
    if as_of is None:
        return None, []
    parts, params = [], []
    if column:
        parts.append(sql.SQL("{} <= %s").format(sql.Identifier(column)))
        params.append(as_of)
    if changed_column:
        parts.append(sql.SQL("({0} IS NULL OR {0} <= %s)").format(sql.Identifier(changed_column)))
        params.append(as_of)
    return (sql.SQL(" AND ").join(parts), params) if parts else (None, [])


def table_identifier(name):
    return sql.Identifier(*split_table(name))


class Side(object):
    """One database: its connection (one read-only snapshot) and the queries the checks run on it."""

    def __init__(self, name, endpoint, params, secrets):
        self.name = name
        self.endpoint = endpoint
        self.params = params
        self.secrets = secrets
        self.conn = None

    def connect(self):
        """Open the connection and its read-only transaction; returns an error message or None."""
        kwargs = connect_kwargs(self.endpoint, self.params["ssl_mode"], self.params["ca_file"], self.params["connect_timeout"])
        try:
            self.conn = psycopg2.connect(**kwargs)
            self.conn.set_session(isolation_level=psycopg2.extensions.ISOLATION_LEVEL_REPEATABLE_READ, readonly=True, autocommit=False)
            with self.conn.cursor() as cur:
                for setting, value in SESSION_SETTINGS:
                    cur.execute("SELECT pg_catalog.set_config(%s, %s, false)", (setting, value))
        except psycopg2.Error as exc:
            self.close()
            return scrub(first_line(exc), self.secrets)
        return None

    def close(self):
        if self.conn is not None:
            try:
                self.conn.rollback()
                self.conn.close()
            except psycopg2.Error:
                pass
            self.conn = None

    def run(self, work):
        """work(cursor) inside a savepoint, so that a failed query fails one check and not the whole transaction."""
        with self.conn.cursor() as cur:
            try:
                cur.execute("SAVEPOINT restore_check")
                value = work(cur)
                cur.execute("RELEASE SAVEPOINT restore_check")
                return value
            except psycopg2.Error as exc:
                message = scrub(first_line(exc), self.secrets)
                try:
                    cur.execute("ROLLBACK TO SAVEPOINT restore_check")
                except psycopg2.Error:
                    pass
                raise QueryError(message)

    def tls_state(self):
        def work(cur):
            cur.execute("SELECT ssl, version, cipher FROM pg_catalog.pg_stat_ssl WHERE pid = pg_catalog.pg_backend_pid()")
            return cur.fetchone()
        row = self.run(work) or (None, None, None)
        info = getattr(self.conn, "info", None)
        return dict(server_ssl=row[0], version=row[1], cipher=row[2], client_ssl=getattr(info, "ssl_in_use", None))

    def existing_tables(self, names):
        """The (schema, table) pairs among names that exist as tables."""
        wanted = set(split_table(name) for name in names)
        schemas = sorted(set(schema for schema, _table in wanted))

        def work(cur):
            cur.execute(
                "SELECT n.nspname, c.relname FROM pg_catalog.pg_class c"
                " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(%s)", (schemas,))
            return set(cur.fetchall())
        return wanted & self.run(work)

    def count(self, table, column, as_of):
        clause, params = row_filter(column, None, as_of)
        query = sql.SQL("SELECT count(*) FROM {}").format(table_identifier(table))
        if clause is not None:
            query = query + sql.SQL(" WHERE ") + clause

        def work(cur):
            cur.execute(query, params)
            return cur.fetchone()[0]
        return self.run(work)

    def primary_key(self, table):
        """[(column, type)] of the table's primary key, in key order; empty without one."""
        schema, name = split_table(table)

        def work(cur):
            cur.execute(
                "SELECT a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)"
                " FROM pg_catalog.pg_index i"
                " JOIN pg_catalog.pg_class c ON c.oid = i.indrelid"
                " JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace"
                " JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY(i.indkey)"
                " WHERE n.nspname = %s AND c.relname = %s AND i.indisprimary"
                " ORDER BY pg_catalog.array_position(i.indkey::int2[], a.attnum)", (schema, name))
            return cur.fetchall()
        return self.run(work)

    def sample_keys(self, table, key, column, changed_column, as_of, size):
        """The primary keys (as text) of the first size rows by primary key that existed unchanged at as_of."""
        clause, params = row_filter(column, changed_column, as_of)
        # Qualified with the table's alias: a bare name in ORDER BY would sort by the output column of that name,
        # the key's text form ('10' before '9').
        columns = [sql.Identifier("t", name) for name, _type in key]
        query = sql.SQL("SELECT {} FROM {} AS t").format(
            sql.SQL(", ").join(sql.SQL("{}::text").format(c) for c in columns), table_identifier(table))
        if clause is not None:
            query = query + sql.SQL(" WHERE ") + clause
        query = query + sql.SQL(" ORDER BY {} LIMIT %s").format(sql.SQL(", ").join(columns))

        def work(cur):
            cur.execute(query, params + [size])
            return cur.fetchall()
        return self.run(work)

    def checksum(self, table, key, keys):
        """(rows found, md5 of their text forms ordered by primary key) of the rows with these primary keys."""
        columns = [sql.Identifier(name) for name, _type in key]
        # format_type() spells the key's types as SQL (quoted where needed): the text keys go back to those types,
        # so the lookup uses the primary key's index.
        arrays = sql.SQL(", ").join(sql.SQL("%s::text[]::{}[]").format(sql.SQL(type_name)) for _name, type_name in key)
        query = sql.SQL(
            "SELECT count(*), pg_catalog.md5(coalesce(string_agg(t::text, E'\\n' ORDER BY {order}), ''))"
            " FROM {table} AS t WHERE ({columns}) IN (SELECT * FROM unnest({arrays}))"
        ).format(order=sql.SQL(", ").join(columns), table=table_identifier(table), columns=sql.SQL(", ").join(columns), arrays=arrays)
        params = [[row[index] for row in keys] for index in range(len(key))]

        def work(cur):
            cur.execute(query, params)
            found, digest = cur.fetchone()
            return found, digest
        return self.run(work)


def check_table_counts(checks, sides, table, column, as_of, allow_source_deletions):
    counts = {}
    for side in sides:
        try:
            counts[side.name] = side.count(table, column, as_of)
        except QueryError as exc:
            counts[side.name] = None
            checks.add("count %s" % table, False, "%s: %s" % (side.name, exc))
            return counts
    checks.add("count %s" % table, *count_verdict(counts["source"], counts["restored"], column, as_of, allow_source_deletions))
    return counts


def check_table_sample(checks, sides, table, column, changed_column, as_of, size):
    source = sides[0]
    name = "checksum %s" % table
    try:
        key = source.primary_key(table)
        if not key:
            checks.add(name, False, "the table has no primary key in the source: no deterministic sample")
            return None
        # The keys come from the source, and the restored copy is checksummed over these keys only: rows deleted in
        # the source since as_of are not sampled, and the restored copy's surplus never enters its checksum.
        keys = source.sample_keys(table, key, column, changed_column, as_of, size)
        sums = {}
        for side in sides:
            sums[side.name] = side.checksum(table, key, keys)
    except QueryError as exc:
        checks.add(name, False, str(exc))
        return None
    checks.add(name, *checksum_verdict(len(keys), sums["source"], sums["restored"]))
    return dict(rows=len(keys), source=sums["source"][1], restored=sums["restored"][1])


def run_checks(params, checks, as_of, secrets):
    """Connect, then run every check; the figures for the result."""
    figures = dict(counts={}, checksums={}, missing_tables=[], tls={})
    sides = [Side(name, params[name], params, secrets) for name in SIDES]
    try:
        connected = True
        for side in sides:
            error = side.connect()
            checks.add("connect %s" % side.name, error is None, error or describe_endpoint(side.endpoint))
            connected = connected and error is None
        if not connected:
            return figures
        for side in sides:
            try:
                state = side.tls_state()
            except QueryError as exc:
                checks.add("tls %s" % side.name, False, str(exc))
                continue
            figures["tls"][side.name] = dict(version=state["version"], cipher=state["cipher"])
            checks.add("tls %s" % side.name, *tls_verdict(state, params["ssl_mode"]))

        restored = sides[1]
        try:
            present = restored.existing_tables(params["tables"])
        except QueryError as exc:
            checks.add("tables present", False, str(exc))
        else:
            figures["missing_tables"] = [name for name in params["tables"] if split_table(name) not in present]
            missing = figures["missing_tables"]
            checks.add("tables present", not missing, "missing in the restored copy: %s" % ", ".join(missing) if missing
                       else "all %d tables" % len(params["tables"]))

        changed_columns = params["changed_columns"] or {}
        for table, column in sorted((params["count_tables"] or {}).items()):
            figures["counts"][table] = check_table_counts(checks, sides, table, column, as_of, params["allow_source_deletions"])
            if params["sample_size"] > 0:
                sample = check_table_sample(checks, sides, table, column, changed_columns.get(table), as_of, params["sample_size"])
                if sample is not None:
                    figures["checksums"][table] = sample
    finally:
        for side in sides:
            side.close()
    return figures


def main():
    module = AnsibleModule(argument_spec=argument_spec(), supports_check_mode=True)
    if not HAS_PSYCOPG2:
        module.fail_json(msg=missing_required_lib("psycopg2 (or psycopg2-binary)"), exception=PSYCOPG2_IMPORT_ERROR)
    params = module.params
    errors = option_errors(params)
    try:
        as_of = parse_time(params["as_of"], "as_of")
    except ValueError as exc:
        errors.append(str(exc))
    if errors:
        module.fail_json(msg="; ".join(errors))

    stopwatch = Stopwatch()
    checks = CheckList()
    secrets = [params[side].get("password") for side in SIDES]
    try:
        figures = run_checks(params, checks, as_of, secrets)
    except Exception as exc:  # pylint: disable=broad-except
        # Whatever went wrong, the playbook gets the usual keys and a message without a password.
        checks.add("unexpected error", False, scrub(first_line(exc), secrets))
        figures = dict(counts={}, checksums={}, missing_tables=[], tls={})
    finish(module, SUBJECT, checks, stopwatch, as_of=format_time(as_of), **figures)


if __name__ == "__main__":
    main()
