# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the restore test reaches a database endpoint from the controller (restore_test_db_connect)."""

from __future__ import annotations

import fnmatch
import ipaddress

from ansible.errors import AnsibleFilterError

# Keys of a map value that may replace the endpoint's own; host stays, as the name TLS verifies.
_OVERRIDES = ("hostaddr", "port", "database")


def _parse_target(value, key):
    """A map value ("address:port" or {hostaddr, port, database}) as a dict of overrides; errors name the key."""
    if isinstance(value, str):
        address, sep, port = value.rpartition(":")
        if not sep:
            address, port = value, ""
        value = {"hostaddr": address, **({"port": port} if port else {})}
    if not isinstance(value, dict):
        raise AnsibleFilterError(f"restore_test_db_connect[{key!r}] must be 'address:port' or a dict, got {type(value).__name__}")
    unknown = sorted(set(value) - set(_OVERRIDES))
    if unknown:
        raise AnsibleFilterError(f"restore_test_db_connect[{key!r}] has unknown keys {unknown}; use {list(_OVERRIDES)}")
    out = {}
    if value.get("hostaddr"):
        try:
            out["hostaddr"] = str(ipaddress.ip_address(str(value["hostaddr"]).strip("[]")))
        except ValueError as exc:
            raise AnsibleFilterError(f"restore_test_db_connect[{key!r}]: hostaddr must be an IP address ({exc})") from exc
    if value.get("port") not in (None, ""):
        try:
            port = int(value["port"])
        except (TypeError, ValueError) as exc:
            raise AnsibleFilterError(f"restore_test_db_connect[{key!r}]: port {value['port']!r} is not a number") from exc
        if not 1 <= port <= 65535:
            raise AnsibleFilterError(f"restore_test_db_connect[{key!r}]: port {port} is not 1-65535")
        out["port"] = port
    if value.get("database"):
        out["database"] = str(value["database"])
    return out


def restore_test_db_connection(endpoint, connect_map=None):
    """``endpoint`` ({host, port, database, ...}) with the overrides of the first key of connect_map matching its host.

    An exact key wins over patterns; patterns (shell style, ``*`` and ``?``) are tried in the map's order.
    """
    if not isinstance(endpoint, dict) or not endpoint.get("host"):
        raise AnsibleFilterError("restore_test_db_connection expects a dict with a host")
    connect_map = connect_map or {}
    if not isinstance(connect_map, dict):
        raise AnsibleFilterError(f"restore_test_db_connect must be a dict, got {type(connect_map).__name__}")
    host = str(endpoint["host"]).lower()
    keys = [key for key in connect_map if str(key).lower() == host] or [key for key in connect_map if fnmatch.fnmatchcase(host, str(key).lower())]
    result = dict(endpoint)
    if keys:
        result.update(_parse_target(connect_map[keys[0]], keys[0]))
    return result


def restore_test_db_connect_errors(connect_map):
    """Why restore_test_db_connect is unusable (empty when every value parses), for preflight."""
    if not isinstance(connect_map, dict):
        return [f"restore_test_db_connect must be a dict, got {type(connect_map).__name__}"]
    errors = []
    for key, value in connect_map.items():
        try:
            _parse_target(value, key)
        except AnsibleFilterError as exc:
            errors.append(str(exc.message))
    return errors


class FilterModule:
    """Filters of the restore test."""

    def filters(self):
        return {
            "restore_test_db_connection": restore_test_db_connection,
            "restore_test_db_connect_errors": restore_test_db_connect_errors,
        }
