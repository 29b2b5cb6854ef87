# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.cvatops.aws.plugins.modules import efs_access_point as eap

FS = "fs-0123456789abcdef0"


def params(**overrides):
    base = dict(
        file_system_id=FS,
        name="cvat-data",
        path="/cvat-data",
        posix_user=dict(uid=1000, gid=1000, secondary_gids=None),
        creation_info=dict(owner_uid=1000, owner_gid=1000, permissions="0750"),
        recreate=False,
        state="present",
        wait=True,
        wait_timeout=120,
        tags=None,
        purge_tags=True,
    )
    base.update(overrides)
    return base


def access_point(**overrides):
    base = dict(
        ClientToken="token",
        Name="cvat-data",
        Tags=[{"Key": "Name", "Value": "cvat-data"}, {"Key": "Project", "Value": "cvat"}],
        AccessPointId="fsap-1",
        AccessPointArn="arn:aws:elasticfilesystem:us-east-1:123456789012:access-point/fsap-1",
        FileSystemId=FS,
        PosixUser={"Uid": 1000, "Gid": 1000},
        RootDirectory={"Path": "/cvat-data", "CreationInfo": {"OwnerUid": 1000, "OwnerGid": 1000, "Permissions": "0750"}},
        OwnerId="123456789012",
        LifeCycleState="available",
    )
    base.update(overrides)
    return base


@pytest.mark.parametrize(
    "overrides, error",
    [
        ({}, None),
        ({"path": "/"}, None),
        ({"path": "/a/b/c/d"}, None),
        ({"path": "/a/b/c/d/e"}, "path /a/b/c/d/e is not valid"),
        ({"path": "/cvat-data/"}, "without a trailing slash"),
        ({"path": "cvat-data"}, "is not valid"),
        ({"path": "/.hidden"}, "is not valid"),
        ({"path": "/a;b"}, "is not valid"),
        ({"path": "/" + "a" * 100}, "is not valid"),
        # an invalid path does not matter when deleting
        ({"path": "relative", "state": "absent"}, None),
        ({"name": ""}, "name must be 1 to 256"),
        ({"name": "x" * 257}, "name must be 1 to 256"),
        ({"tags": {"Name": "cvat-data", "a": "b"}}, None),
        ({"tags": {"Name": "other"}}, "tags.Name (other) must equal name (cvat-data)"),
        ({"tags": {"Name": "other"}, "state": "absent"}, "must equal name"),
        ({"posix_user": None, "creation_info": None}, None),
        ({"posix_user": dict(uid=-1, gid=0, secondary_gids=None)}, "posix_user.uid must be between 0 and 4294967295"),
        ({"posix_user": dict(uid=0, gid=4294967296, secondary_gids=None)}, "posix_user.gid"),
        ({"posix_user": dict(uid=0, gid=0, secondary_gids=list(range(16)))}, None),
        ({"posix_user": dict(uid=0, gid=0, secondary_gids=list(range(17)))}, "at most 16 groups"),
        ({"posix_user": dict(uid=0, gid=0, secondary_gids=[-5])}, "posix_user.secondary_gids"),
        ({"creation_info": dict(owner_uid=1000, owner_gid=-1, permissions="0750")}, "creation_info.owner_gid"),
        ({"creation_info": dict(owner_uid=1000, owner_gid=1000, permissions="750")}, None),
        # YAML reads an unquoted 0750 as 488
        ({"creation_info": dict(owner_uid=1000, owner_gid=1000, permissions=488)}, "quoted octal string"),
        ({"creation_info": dict(owner_uid=1000, owner_gid=1000, permissions="0780")}, "3 or 4 octal digits"),
        ({"creation_info": dict(owner_uid=1000, owner_gid=1000, permissions="07500")}, "3 or 4 octal digits"),
    ],
)
def test_validate_params(overrides, error):
    problem = eap.validate_params(params(**overrides))
    if error is None:
        assert problem is None
    else:
        assert error in problem


@pytest.mark.parametrize(
    "posix_user, expected",
    [
        (None, None),
        (dict(uid=1000, gid=1000, secondary_gids=None), {"Uid": 1000, "Gid": 1000}),
        (dict(uid=1000, gid=1000, secondary_gids=[]), {"Uid": 1000, "Gid": 1000}),
        (dict(uid=1, gid=2, secondary_gids=[3, 4]), {"Uid": 1, "Gid": 2, "SecondaryGids": [3, 4]}),
    ],
)
def test_requested_posix_user(posix_user, expected):
    assert eap.requested_posix_user(params(posix_user=posix_user)) == expected


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({}, {"Path": "/cvat-data", "CreationInfo": {"OwnerUid": 1000, "OwnerGid": 1000, "Permissions": "0750"}}),
        ({"creation_info": None}, {"Path": "/cvat-data"}),
        ({"path": "/", "creation_info": None}, {"Path": "/"}),
    ],
)
def test_requested_root_directory(overrides, expected):
    assert eap.requested_root_directory(params(**overrides)) == expected


@pytest.mark.parametrize(
    "existing, wanted, expected",
    [
        (access_point(), params(), []),
        (access_point(), params(path="/other"), ["path"]),
        # options that are not set are not compared
        (access_point(), params(posix_user=None, creation_info=None), []),
        (access_point(PosixUser=None), params(posix_user=None), []),
        (access_point(PosixUser=None), params(), ["posix_user"]),
        (access_point(), params(posix_user=dict(uid=1000, gid=1001, secondary_gids=None)), ["posix_user"]),
        # secondary groups compare as a set, and none equals an empty list
        (
            access_point(PosixUser={"Uid": 1000, "Gid": 1000, "SecondaryGids": [5, 4]}),
            params(posix_user=dict(uid=1000, gid=1000, secondary_gids=[4, 5])),
            [],
        ),
        (access_point(PosixUser={"Uid": 1000, "Gid": 1000, "SecondaryGids": []}), params(), []),
        (
            access_point(PosixUser={"Uid": 1000, "Gid": 1000, "SecondaryGids": [4]}),
            params(),
            ["posix_user"],
        ),
        # "750" and "0750" are the same mode
        (access_point(), params(creation_info=dict(owner_uid=1000, owner_gid=1000, permissions="750")), []),
        (access_point(), params(creation_info=dict(owner_uid=1000, owner_gid=1000, permissions="0755")), ["creation_info"]),
        (access_point(RootDirectory={"Path": "/cvat-data"}), params(), ["creation_info"]),
        (access_point(RootDirectory={"Path": "/cvat-data"}), params(creation_info=None), []),
        # an access point without RootDirectory is rooted at /
        ({k: v for k, v in access_point().items() if k != "RootDirectory"}, params(path="/", creation_info=None), []),
        (
            access_point(PosixUser={"Uid": 0, "Gid": 0}, RootDirectory={"Path": "/x"}),
            params(),
            ["path", "posix_user", "creation_info"],
        ),
    ],
)
def test_immutable_differences(existing, wanted, expected):
    assert eap.immutable_differences(existing, wanted) == expected


def test_immutable_change_message_names_fields_and_values():
    existing = access_point(RootDirectory={"Path": "/old"}, PosixUser={"Uid": 0, "Gid": 0})
    wanted = params(creation_info=None)
    message = eap.immutable_change_message(existing, wanted, eap.immutable_differences(existing, wanted))
    assert "differs in path, posix_user:" in message
    assert "path (is /old, wanted /cvat-data)" in message
    assert "posix_user (is {'Uid': 0, 'Gid': 0}, wanted {'Uid': 1000, 'Gid': 1000})" in message
    assert "fsap-1" in message and FS in message and "recreate=true" in message


@pytest.mark.parametrize(
    "existing, expected",
    [
        (access_point(), "cvat-data"),
        (access_point(Tags=[{"Key": "Name", "Value": "tagged"}], Name="stale"), "tagged"),
        (access_point(Tags=[], Name="only-name"), "only-name"),
        (access_point(Tags=[]), "cvat-data"),
        ({"AccessPointId": "fsap-x"}, None),
    ],
)
def test_access_point_name(existing, expected):
    assert eap.access_point_name(existing) == expected


def test_matching_access_points_skips_other_names_and_deleting_ones():
    mine = access_point(AccessPointId="fsap-mine")
    other = access_point(AccessPointId="fsap-other", Tags=[{"Key": "Name", "Value": "other"}], Name="other")
    going = access_point(AccessPointId="fsap-going", LifeCycleState="deleting")
    assert [ap["AccessPointId"] for ap in eap.matching_access_points([mine, other, going], "cvat-data")] == ["fsap-mine"]


def test_choose_access_point_prefers_one_without_differences():
    stale = access_point(AccessPointId="fsap-old", RootDirectory={"Path": "/old"})
    good = access_point(AccessPointId="fsap-good")
    assert eap.choose_access_point([stale, good], params())["AccessPointId"] == "fsap-good"
    assert eap.choose_access_point([stale], params())["AccessPointId"] == "fsap-old"
    assert eap.choose_access_point([], params()) is None


def test_build_create_params():
    created = eap.build_create_params(params(posix_user=dict(uid=1, gid=2, secondary_gids=[3])), {"Name": "cvat-data"}, "t")
    assert created == {
        "ClientToken": "t",
        "FileSystemId": FS,
        "RootDirectory": {"Path": "/cvat-data", "CreationInfo": {"OwnerUid": 1000, "OwnerGid": 1000, "Permissions": "0750"}},
        "PosixUser": {"Uid": 1, "Gid": 2, "SecondaryGids": [3]},
        "Tags": [{"Key": "Name", "Value": "cvat-data"}],
    }
    bare = eap.build_create_params(params(path="/", posix_user=None, creation_info=None), {"Name": "n"}, "t")
    assert "PosixUser" not in bare and bare["RootDirectory"] == {"Path": "/"}


def test_normalize_access_point():
    normalized = eap.normalize_access_point(access_point())
    assert normalized["access_point_id"] == "fsap-1"
    assert normalized["access_point_arn"].endswith("access-point/fsap-1")
    assert normalized["tags"] == {"Name": "cvat-data", "Project": "cvat"}
    assert normalized["posix_user"] == {"uid": 1000, "gid": 1000}
    assert normalized["root_directory"] == {
        "path": "/cvat-data",
        "creation_info": {"owner_uid": 1000, "owner_gid": 1000, "permissions": "0750"},
    }
    assert eap.normalize_access_point(None) is None


def test_predicted_access_point():
    predicted = eap.predicted_access_point(params(), {"Name": "cvat-data", "Project": "cvat"})
    assert predicted == {
        "file_system_id": FS,
        "name": "cvat-data",
        "root_directory": {"path": "/cvat-data", "creation_info": {"owner_uid": 1000, "owner_gid": 1000, "permissions": "0750"}},
        "posix_user": {"uid": 1000, "gid": 1000},
        "tags": {"Name": "cvat-data", "Project": "cvat"},
    }
    assert "posix_user" not in eap.predicted_access_point(params(posix_user=None), {"Name": "cvat-data"})


def test_diff_view_drops_volatile_keys():
    view = eap.diff_view(eap.normalize_access_point(access_point()))
    assert not {"life_cycle_state", "client_token", "owner_id"} & set(view)
    assert view["access_point_id"] == "fsap-1"
    assert eap.diff_view(None) == {}


def test_wait_until_returns_the_value_once_done():
    answers = iter([(False, "creating"), (False, "creating"), (True, "available")])
    assert eap.wait_until(lambda: next(answers), timeout=5, what="x", delay=0.01) == "available"


def test_wait_until_times_out():
    with pytest.raises(eap.AnsibleEFSError, match="Timed out after 0.05s waiting for access point fsap-1"):
        eap.wait_until(lambda: (False, None), timeout=0.05, what="access point fsap-1", delay=0.01)
