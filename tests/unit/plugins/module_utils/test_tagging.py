# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

import pytest

from ansible_collections.cvatops.aws.plugins.module_utils import tagging


@pytest.mark.parametrize(
    "current, tags, purge, to_set, to_unset",
    [
        # without tags nothing changes
        ({"a": "1"}, None, True, {}, []),
        ({"a": "1"}, {"a": "1"}, True, {}, []),
        ({"a": "1"}, {"a": "2"}, True, {"a": "2"}, []),
        ({"a": "1", "b": "2"}, {"a": "1"}, True, {}, ["b"]),
        ({"a": "1", "b": "2"}, {"a": "1"}, False, {}, []),
        ({}, {"c": "3"}, False, {"c": "3"}, []),
        ({"a": "1"}, {}, True, {}, ["a"]),
        # aws: tags are never purged
        ({"a": "1", "aws:x": "y"}, {}, True, {}, ["a"]),
        # a resource AWS returned without tags
        (None, {"Name": "cvat"}, True, {"Name": "cvat"}, []),
    ],
)
def test_tag_changes(current, tags, purge, to_set, to_unset):
    assert tagging.tag_changes(current, tags, purge) == (to_set, to_unset)


@pytest.mark.parametrize(
    "current, tags, purge, to_set, to_unset",
    [
        # without tags only Name is ensured, other tags stay
        ({"Name": "cvat", "Owner": "ops"}, None, True, {}, []),
        ({"Owner": "ops"}, None, True, {"Name": "cvat"}, []),
        ({}, None, True, {"Name": "cvat"}, []),
        (None, None, True, {"Name": "cvat"}, []),
        ({"Name": "old"}, None, False, {"Name": "cvat"}, []),
        # with tags, purging removes the others but never Name, nor aws: tags
        ({"Name": "cvat", "Owner": "ops"}, {"Project": "cvat"}, True, {"Project": "cvat"}, ["Owner"]),
        ({"Name": "cvat", "Owner": "ops"}, {"Project": "cvat"}, False, {"Project": "cvat"}, []),
        ({"Name": "cvat", "Project": "cvat"}, {"Project": "cvat"}, True, {}, []),
        ({"Name": "cvat", "Project": "x"}, {"Project": "cvat"}, True, {"Project": "cvat"}, []),
        ({"Name": "cvat", "aws:cloudformation:stack-name": "x"}, {}, True, {}, []),
        ({"Name": "cvat"}, {"Name": "cvat"}, True, {}, []),
    ],
)
def test_name_tag_changes(current, tags, purge, to_set, to_unset):
    assert tagging.name_tag_changes(current, "cvat", tags, purge) == (to_set, to_unset)


def test_name_tag_changes_leaves_the_requested_tags_alone():
    tags = {"Project": "cvat"}
    tagging.name_tag_changes({}, "cvat", tags, True)
    assert tags == {"Project": "cvat"}


@pytest.mark.parametrize(
    "previous, tags, purge, expected",
    [
        # without tags the replacement keeps the previous tags
        ({"a": "1"}, None, True, {"a": "1"}),
        (None, None, True, {}),
        ({"a": "1"}, {"b": "2"}, True, {"b": "2"}),
        ({"a": "1"}, {"b": "2"}, False, {"a": "1", "b": "2"}),
        ({"a": "1"}, {"a": "3"}, False, {"a": "3"}),
        ({}, {}, True, {}),
    ],
)
def test_replacement_tags(previous, tags, purge, expected):
    assert tagging.replacement_tags(previous, tags, purge) == expected


@pytest.mark.parametrize(
    "previous, tags, purge, expected",
    [
        ({}, None, True, {"Name": "cvat"}),
        ({"Name": "cvat", "Owner": "ops"}, None, True, {"Name": "cvat", "Owner": "ops"}),
        ({"Name": "cvat", "Owner": "ops"}, {"Project": "cvat"}, True, {"Name": "cvat", "Project": "cvat"}),
        ({"Name": "cvat", "Owner": "ops"}, {"Project": "cvat"}, False, {"Name": "cvat", "Owner": "ops", "Project": "cvat"}),
        ({"Owner": "ops"}, {"Owner": "dev"}, False, {"Name": "cvat", "Owner": "dev"}),
        # the previous resource's Name never survives a rename
        ({"Name": "old"}, None, True, {"Name": "cvat"}),
    ],
)
def test_tags_for_replacement(previous, tags, purge, expected):
    assert tagging.tags_for_replacement(previous, "cvat", tags, purge) == expected


def test_tags_for_replacement_copies():
    previous, tags = {"a": "1"}, {"b": "2"}
    tagging.tags_for_replacement(previous, "cvat", tags, False)
    tagging.tags_for_replacement(previous, "cvat", tags, True)
    assert (previous, tags) == ({"a": "1"}, {"b": "2"})


@pytest.mark.parametrize(
    "current, to_set, to_unset, expected",
    [
        ({"a": "1", "b": "2"}, {"c": "3"}, ["a"], {"b": "2", "c": "3"}),
        ({"a": "1", "b": "2"}, {"c": "3", "a": "9"}, ["b"], {"a": "9", "c": "3"}),
        ({"a": "1"}, {}, [], {"a": "1"}),
        (None, {"a": "1"}, [], {"a": "1"}),
    ],
)
def test_apply_tag_changes(current, to_set, to_unset, expected):
    assert tagging.apply_tag_changes(current, to_set, to_unset) == expected


@pytest.mark.parametrize(
    "name, tags, expected",
    [
        ("cvat", None, None),
        ("cvat", {}, None),
        ("cvat", {"Project": "cvat"}, None),
        ("cvat", {"Name": "cvat"}, None),
        ("cvat", {"Name": "other"}, "tags.Name (other) must equal name_tag (cvat): the Name tag identifies the certificate"),
        # no name to compare with (acm_certificate_request with state=absent)
        (None, {"Name": "other"}, None),
    ],
)
def test_name_tag_conflict(name, tags, expected):
    assert tagging.name_tag_conflict(name, tags, "name_tag", "certificate") == expected
