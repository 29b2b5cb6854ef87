# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""How the cvatops.aws modules reconcile O(tags) and O(purge_tags) with the tags a resource has.

Tags are plain dicts here (boto3_tag_list_to_ansible_dict); each module makes its own API calls. Modules
whose resource is identified by its C(Name) tag use the name_* variants, which always keep C(Name) and,
without O(tags), ensure only C(Name) and leave the other tags alone.
"""

from ansible_collections.amazon.aws.plugins.module_utils.tagging import compare_aws_tags


def tag_changes(current_tags, tags, purge_tags):
    """(tags_to_set, tag_keys_to_unset) that turn current_tags into tags; nothing when O(tags) is not set (None)."""
    if tags is None:
        return {}, []
    return compare_aws_tags(current_tags or {}, tags, purge_tags)


def name_tag_changes(current_tags, name, tags, purge_tags):
    """(tags_to_set, tag_keys_to_unset) for a resource identified by its Name tag.

    Name is always set to name and never purged; without O(tags) only Name is ensured.
    """
    if tags is None:
        return tag_changes(current_tags, {"Name": name}, purge_tags=False)
    return tag_changes(current_tags, dict(tags, Name=name), purge_tags)


def replacement_tags(previous_tags, tags, purge_tags):
    """The tags of a resource created to replace another: the requested ones, merged with the previous
    resource's unless O(purge_tags); the previous ones when O(tags) is not set."""
    if tags is None:
        return dict(previous_tags or {})
    if purge_tags:
        return dict(tags)
    merged = dict(previous_tags or {})
    merged.update(tags)
    return merged


def tags_for_replacement(previous_tags, name, tags, purge_tags):
    """replacement_tags() for a resource identified by its Name tag: Name is always name."""
    merged = replacement_tags(previous_tags, tags, purge_tags)
    merged["Name"] = name
    return merged


def apply_tag_changes(current_tags, to_set, to_unset):
    """The tags a resource has once the changes of tag_changes() are made (what check mode reports)."""
    result = {key: value for key, value in (current_tags or {}).items() if key not in to_unset}
    result.update(to_set)
    return result


def name_tag_conflict(name, tags, name_option, resource):
    """The error message when O(tags) sets a Name other than the name that identifies the resource, else None.

    name_option is the option that holds the name (for the message), resource what the module manages.
    """
    if name is not None and tags and "Name" in tags and tags["Name"] != name:
        return f"tags.Name ({tags['Name']}) must equal {name_option} ({name}): the Name tag identifies the {resource}"
    return None
