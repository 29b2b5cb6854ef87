# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cvatops.aws.postgres_restore_check's pure parts: options, libpq parameters, and the verdicts of each check.
The queries themselves run against a real server in tests/restore/test_postgres_restore_check.py."""

import datetime

import pytest

from ansible_collections.cvatops.aws.plugins.modules import postgres_restore_check as prc

AS_OF = datetime.datetime(2026, 1, 31, 3, 0, tzinfo=datetime.timezone.utc)
ENDPOINT = dict(host="db.example.com", hostaddr=None, port=5432, database="cvat", user="cvat", password="pw")


def params(**overrides):
    spec = prc.argument_spec()
    values = {name: option.get("default") for name, option in spec.items()}
    values.update(source=dict(ENDPOINT), restored=dict(ENDPOINT), ca_file="/ca.pem")
    values.update(overrides)
    return values


@pytest.mark.parametrize(
    "name, expected",
    [
        ("engine_task", ("public", "engine_task")),
        ("audit.engine_task", ("audit", "engine_task")),
        ("a.b.c", ("a", "b.c")),
        (".x", ("", "x")),
    ],
)
def test_split_table(name, expected):
    assert prc.split_table(name) == expected


@pytest.mark.parametrize(
    "overrides, messages",
    [
        ({}, []),
        ({"ca_file": None}, ["ca_file is required with ssl_mode=verify-full"]),
        ({"ca_file": None, "ssl_mode": "verify-ca"}, ["ca_file is required with ssl_mode=verify-ca"]),
        ({"ca_file": None, "ssl_mode": "require"}, []),
        ({"sample_size": -1}, ["sample_size must be 0 or more"]),
        ({"sample_size": 0}, []),
        ({"connect_timeout": 0}, ["connect_timeout must be at least 1 second"]),
        ({"count_tables": {"engine_task": 5}}, ["count_tables: the column of engine_task must be a column name or null, not 5"]),
        ({"count_tables": {"engine_task": ""}}, ["count_tables: the column of engine_task must be a column name or null"]),
        ({"count_tables": {"engine_label": None}}, []),
        ({"changed_columns": {"auth_user": ["last_login"]}}, ["changed_columns: the column of auth_user must be"]),
        ({"tables": ["public.", "engine_job"]}, ["'public.' is not a table name"]),
        ({"count_tables": {".engine_job": None}}, ["'.engine_job' is not a table name"]),
    ],
)
def test_option_errors(overrides, messages):
    errors = prc.option_errors(params(**overrides))
    assert len(errors) == len(messages)
    for error, message in zip(errors, messages):
        assert error.startswith(message)


def test_defaults_are_cvat_tables_with_their_timestamps():
    spec = prc.argument_spec()
    assert set(spec["count_tables"]["default"]) <= set(spec["tables"]["default"])
    # Every table whose changed rows are left out of the sample is one that is counted and sampled.
    assert set(spec["changed_columns"]["default"]) <= set(spec["count_tables"]["default"])
    assert spec["ssl_mode"]["choices"] == ["require", "verify-ca", "verify-full"]
    assert spec["source"]["options"]["password"]["no_log"] is True


@pytest.mark.parametrize(
    "endpoint, ssl_mode, ca_file, expected_extra, absent",
    [
        (ENDPOINT, "verify-full", "/ca.pem", {"sslrootcert": "/ca.pem", "password": "pw"}, ["hostaddr"]),
        (dict(ENDPOINT, hostaddr="127.0.0.1", port=15432), "verify-full", "/ca.pem", {"hostaddr": "127.0.0.1", "port": 15432}, []),
        (dict(ENDPOINT, password=None), "require", None, {}, ["password", "sslrootcert"]),
        (dict(ENDPOINT, password=""), "require", None, {"password": ""}, ["sslrootcert"]),
    ],
)
def test_connect_kwargs(endpoint, ssl_mode, ca_file, expected_extra, absent):
    kwargs = prc.connect_kwargs(endpoint, ssl_mode, ca_file, 7)
    assert kwargs["host"] == "db.example.com" and kwargs["dbname"] == "cvat" and kwargs["user"] == "cvat"
    assert kwargs["sslmode"] == ssl_mode and kwargs["connect_timeout"] == 7
    for key, value in expected_extra.items():
        assert kwargs[key] == value
    for key in absent:
        assert key not in kwargs


@pytest.mark.parametrize(
    "endpoint, expected",
    [
        (ENDPOINT, "db.example.com:5432/cvat"),
        (dict(ENDPOINT, hostaddr="127.0.0.1", port=15432), "db.example.com:15432/cvat via 127.0.0.1"),
    ],
)
def test_describe_endpoint_never_shows_the_password(endpoint, expected):
    assert prc.describe_endpoint(endpoint) == expected


@pytest.mark.parametrize(
    "state, passed, detail",
    [
        ({"server_ssl": True, "client_ssl": True, "version": "TLSv1.3", "cipher": "TLS_AES_256_GCM_SHA384"}, True,
         "TLSv1.3 TLS_AES_256_GCM_SHA384 (sslmode verify-full)"),
        # an older psycopg2 without conn.info.ssl_in_use: the server's word is enough
        ({"server_ssl": True, "client_ssl": None, "version": "TLSv1.2", "cipher": "ECDHE-RSA-AES256-GCM-SHA384"}, True,
         "TLSv1.2 ECDHE-RSA-AES256-GCM-SHA384 (sslmode verify-full)"),
        ({"server_ssl": False, "client_ssl": False, "version": None, "cipher": None}, False,
         "the server reports this session as not encrypted (pg_stat_ssl.ssl = False)"),
        # no pg_stat_ssl row for the session (e.g. through a pooler that hides it): not proved
        ({"server_ssl": None, "client_ssl": True, "version": None, "cipher": None}, False,
         "the server reports this session as not encrypted (pg_stat_ssl.ssl = None)"),
        ({"server_ssl": True, "client_ssl": False, "version": "TLSv1.3", "cipher": "x"}, False,
         "libpq reports the connection as not encrypted"),
    ],
)
def test_tls_verdict(state, passed, detail):
    assert prc.tls_verdict(state, "verify-full") == (passed, detail)


@pytest.mark.parametrize(
    "source, restored, column, as_of, allow_deletions, passed, detail",
    [
        (120, 120, "created_date", AS_OF, True, True, "source 120, restored 120 (created_date <= 2026-01-31T03:00:00.000000Z)"),
        (120, 120, "created_date", AS_OF, False, True, "source 120, restored 120 (created_date <= 2026-01-31T03:00:00.000000Z)"),
        (120, 118, "created_date", AS_OF, True, False,
         "source 120, restored 118 (created_date <= 2026-01-31T03:00:00.000000Z): 2 rows missing in the restored copy"),
        (120, 118, "created_date", AS_OF, False, False,
         "source 120, restored 118 (created_date <= 2026-01-31T03:00:00.000000Z): 2 rows missing in the restored copy"),
        # A surplus in the copy: rows deleted in the live database since the recovery point.
        (120, 123, "created_date", AS_OF, True, True,
         "source 120, restored 123 (created_date <= 2026-01-31T03:00:00.000000Z): 3 rows more than the live database:"
         " deleted there since the recovery point"),
        (120, 121, None, AS_OF, True, True,
         "source 120, restored 121 (all rows): 1 rows more than the live database: deleted there since the recovery point"),
        (120, 121, None, AS_OF, False, False, "source 120, restored 121 (all rows): the restored copy has 1 rows more"),
        (0, 4, "created_date", None, False, False, "source 0, restored 4 (all rows): the restored copy has 4 rows more"),
        (5, 5, "created_date", None, True, True, "source 5, restored 5 (all rows)"),
        (0, 0, None, None, True, True, "source 0, restored 0 (all rows)"),
        (None, 3, "created_date", AS_OF, True, False, "could not count both sides (source None, restored 3)"),
        (3, None, "created_date", AS_OF, True, False, "could not count both sides (source 3, restored None)"),
    ],
)
def test_count_verdict(source, restored, column, as_of, allow_deletions, passed, detail):
    assert prc.count_verdict(source, restored, column, as_of, allow_deletions) == (passed, detail)


def test_allow_source_deletions_defaults_to_true():
    spec = prc.argument_spec()["allow_source_deletions"]
    assert spec == {"type": "bool", "default": True}


@pytest.mark.parametrize(
    "rows, source, restored, passed, detail",
    [
        (100, (100, "abc"), (100, "abc"), True, "100 rows, md5 abc"),
        (0, (0, "d41d8cd98f00b204e9800998ecf8427e"), (0, "d41d8cd98f00b204e9800998ecf8427e"), True, "no rows to sample"),
        (100, (100, "abc"), (100, "abd"), False, "the 100 sampled rows differ (md5 source abc, restored abd)"),
        (100, (100, "abc"), (97, "xyz"), False, "the restored copy has 97 of the 100 sampled rows"),
    ],
)
def test_checksum_verdict(rows, source, restored, passed, detail):
    assert prc.checksum_verdict(rows, source, restored) == (passed, detail)


@pytest.mark.parametrize(
    "column, changed, as_of, parameters",
    [
        ("created_date", None, AS_OF, [AS_OF]),
        ("created_date", "updated_date", AS_OF, [AS_OF, AS_OF]),
        (None, "updated_date", AS_OF, [AS_OF]),
        (None, None, AS_OF, []),
        ("created_date", "updated_date", None, []),
    ],
)
def test_row_filter(column, changed, as_of, parameters):
    clause, params_ = prc.row_filter(column, changed, as_of)
    assert params_ == parameters
    assert (clause is None) is (not parameters)
    if clause is not None:
        # the identifiers, quoted by psycopg2.sql, and one placeholder per parameter
        text = repr(clause)
        for name in filter(None, (column, changed)):
            assert "Identifier('%s')" % name in text
        assert text.count("%s") == len(parameters)
