# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.cvatops.aws.plugins.filter import restore_test as rt

LIVE = {"host": "cvat-prod-db.abc.us-east-1.rds.amazonaws.com", "port": 5432, "database": "cvat", "user": "cvat"}
RESTORED = dict(LIVE, host="cvat-prod-restoretest-20261206t031500z.abc.us-east-1.rds.amazonaws.com")
MAP = {
    "cvat-prod-restoretest-*": {"hostaddr": "127.0.0.1", "port": "15433", "database": "copy"},
    "cvat-prod-*": "127.0.0.1:15000",
    "CVAT-PROD-DB.abc.us-east-1.rds.amazonaws.com": "10.0.0.5:15432",
}


@pytest.mark.parametrize(
    "endpoint, expected",
    [
        # an exact key (case-insensitive, as DNS) wins over a pattern listed before it
        (LIVE, dict(LIVE, hostaddr="10.0.0.5", port=15432)),
        # the first matching pattern, in the map's order
        (RESTORED, dict(RESTORED, hostaddr="127.0.0.1", port=15433, database="copy")),
        (dict(LIVE, host="cvat-prod-redis.example"), dict(LIVE, host="cvat-prod-redis.example", hostaddr="127.0.0.1", port=15000)),
        (dict(LIVE, host="other.example"), dict(LIVE, host="other.example")),
    ],
)
def test_connection_keeps_the_host_and_applies_the_first_match(endpoint, expected):
    assert rt.restore_test_db_connection(endpoint, MAP) == expected


def test_no_map_means_direct():
    assert rt.restore_test_db_connection(LIVE, {}) == LIVE and rt.restore_test_db_connection(LIVE, None) == LIVE


def test_ipv6_and_address_without_port():
    assert rt.restore_test_db_connection(LIVE, {LIVE["host"]: "[::1]:6432"})["hostaddr"] == "::1"
    assert rt.restore_test_db_connection(LIVE, {LIVE["host"]: "127.0.0.2"}) == dict(LIVE, hostaddr="127.0.0.2")


@pytest.mark.parametrize(
    "connect_map, fragment",
    [
        ({"h": "localhost:5432"}, "hostaddr must be an IP address"),
        ({"h": "127.0.0.1:http"}, "is not a number"),
        ({"h": "127.0.0.1:70000"}, "is not 1-65535"),
        ({"h": {"hostaddr": "127.0.0.1", "sslmode": "disable"}}, "unknown keys ['sslmode']"),
        ({"h": 5432}, "must be 'address:port' or a dict"),
    ],
)
def test_errors_name_the_entry(connect_map, fragment):
    errors = rt.restore_test_db_connect_errors(connect_map)
    assert len(errors) == 1 and "restore_test_db_connect['h']" in errors[0] and fragment in errors[0], errors
    with pytest.raises(AnsibleFilterError, match="restore_test_db_connect"):
        rt.restore_test_db_connection({"host": "h"}, connect_map)


def test_errors_of_a_good_map_and_of_a_non_dict():
    assert rt.restore_test_db_connect_errors(MAP) == []
    assert rt.restore_test_db_connect_errors(["a"]) == ["restore_test_db_connect must be a dict, got list"]
