# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""ElastiCache cache parameter groups beyond their basic operations; same contract as :mod:`awsemu.patches`.

The operations themselves (Create/Describe/Modify/Reset/DeleteCacheParameterGroup,
DescribeCacheParameters, the ``default.<family>`` groups and the check of
``CacheParameterGroupName`` on replication groups) are emulated by
``elasticache_cache_parameter_groups`` in :mod:`awsemu.patches_cache`, which is applied first.
The patches here wrap whatever handler is registered then, so they do not depend on how it
stores the groups: tags on the group ARN, AWS's page size and the 20-parameter limit of
ModifyCacheParameterGroup. Their tests are in ``tests/emulator/test_patches_cache_parameters.py``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from types import ModuleType
from typing import Any

from .patches import _patch, _when_imported

_MODELS = "moto.elasticache.models"
_RESPONSES = "moto.elasticache.responses"
_PARAMETER_GROUP_ARN = re.compile(r"^arn:aws[a-z-]*:elasticache:[a-z0-9-]+:\d{12}:parametergroup:.+$")
# ModifyCacheParameterGroup: "A maximum of 20 parameters may be modified per request."
_MAX_MODIFIED_PARAMETERS = 20
# DescribeCacheParameters / DescribeCacheParameterGroups: MaxRecords default 100, minimum 20, maximum 100.
_PAGE_DEFAULT, _PAGE_MIN, _PAGE_MAX = 100, 20, 100


def _invalid_value(message: str) -> Exception:
    from moto.elasticache import exceptions  # pylint: disable=import-outside-toplevel

    return exceptions.InvalidParameterValueException(message)


def _handler_or_missing(cls: Any, name: str) -> Callable[..., Any]:
    """The handler registered now, or one answering as stock moto does for an action it lacks."""
    original = getattr(cls, name, None)
    if original is not None:
        return original

    def missing(self: Any) -> Any:
        raise NotImplementedError(f"The {name} action has not been implemented")

    return missing


@_patch
def elasticache_parameter_group_tags() -> None:
    """ListTagsForResource answers for a cache parameter group's ARN.

    (a) AWS: a cache parameter group is taggable; ListTagsForResource, AddTagsToResource and
        RemoveTagsFromResource take its ARN ``arn:aws:elasticache:<region>:<account>:parametergroup:<name>``.
    (b) moto 5.2.5 stores tags for any ARN but ListTagsForResource accepts only cluster, snapshot,
        subnetgroup, replicationgroup and user ARNs (``ElastiCacheBackend.arn_regex``): InvalidARN
        for a parameter group.
    (c) cvatops.aws.elasticache_parameter_group cannot read the tags of the group it manages:
        every run with ``tags`` fails.
    """

    def fix(models: ModuleType) -> None:
        original = models.ElastiCacheBackend.list_tags_for_resource

        @functools.wraps(original)
        def list_tags_for_resource(self: Any, arn: str) -> Any:
            if _PARAMETER_GROUP_ARN.match(arn or ""):
                return self.tagging_service.list_tags_for_resource(arn)
            return original(self, arn)

        models.ElastiCacheBackend.list_tags_for_resource = list_tags_for_resource

    _when_imported(_MODELS, fix)


def _page(response: Any, items: list[Any]) -> tuple[list[Any], str | None]:
    """One page of ``items`` for the request's Marker/MaxRecords, and the next Marker (None at the end)."""
    max_records = response._get_int_param("MaxRecords")  # pylint: disable=protected-access
    if max_records is None:
        max_records = _PAGE_DEFAULT
    if not _PAGE_MIN <= max_records <= _PAGE_MAX:
        raise _invalid_value(f"The parameter MaxRecords must be between {_PAGE_MIN} and {_PAGE_MAX}.")
    marker = response._get_param("Marker")  # pylint: disable=protected-access
    start = 0
    if marker:
        if not marker.isdigit() or int(marker) > len(items):
            raise _invalid_value(f"Invalid marker: {marker}")
        start = int(marker)
    end = start + max_records
    return items[start:end], str(end) if end < len(items) else None


@_patch
def elasticache_parameter_pages() -> None:
    """DescribeCacheParameters and DescribeCacheParameterGroups answer in pages (MaxRecords, Marker).

    (a) AWS: both return at most ``MaxRecords`` (20 to 100, default 100) entries and a ``Marker``
        for the next page; a Redis family has well over 100 parameters, so a full read takes
        several requests.
    (b) moto 5.2.5 (with the parameter group operations of ``awsemu.patches_cache``) returns every
        entry at once and ignores MaxRecords and Marker (stock moto lacks the operations: HTTP 500).
    (c) cvatops.aws.elasticache_parameter_group must follow the Marker, or it misses user-set
        parameters beyond the first page on AWS; without pages here that code is never exercised.
    """

    def paged(original: Callable[..., Any], key: str) -> Callable[..., Any]:
        @functools.wraps(original)
        def handler(self: Any) -> Any:
            answer = original(self)
            result = getattr(answer, "result", None)
            if not isinstance(result, dict) or not isinstance(result.get(key), list):
                return answer
            page, marker = _page(self, list(result[key]))
            result[key] = page
            if marker is None:
                result.pop("Marker", None)
            else:
                result["Marker"] = marker
            return answer

        return handler

    def fix(responses: ModuleType) -> None:
        cls = responses.ElastiCacheResponse
        for name, key in (("describe_cache_parameters", "Parameters"), ("describe_cache_parameter_groups", "CacheParameterGroups")):
            setattr(cls, name, paged(_handler_or_missing(cls, name), key))

    _when_imported(_RESPONSES, fix)


@_patch
def elasticache_modify_parameter_limit() -> None:
    """ModifyCacheParameterGroup changes at most 20 parameters per request.

    (a) AWS: "A maximum of 20 parameters may be modified per request"; more is InvalidParameterValue
        and nothing changes.
    (b) moto 5.2.5 (with the parameter group operations of ``awsemu.patches_cache``) applies any
        number at once (stock moto lacks the operation: HTTP 500).
    (c) cvatops.aws.elasticache_parameter_group sends the changes in batches of 20; a module that
        did not would pass against the emulator and fail on AWS.
    """

    def fix(responses: ModuleType) -> None:
        cls = responses.ElastiCacheResponse
        original = _handler_or_missing(cls, "modify_cache_parameter_group")

        @functools.wraps(original)
        def modify_cache_parameter_group(self: Any) -> Any:
            changes = self._get_param("ParameterNameValues") or []  # pylint: disable=protected-access
            if len(changes) > _MAX_MODIFIED_PARAMETERS:
                raise _invalid_value(
                    f"A maximum of {_MAX_MODIFIED_PARAMETERS} parameters may be modified per request, got {len(changes)}."
                )
            return original(self)

        cls.modify_cache_parameter_group = modify_cache_parameter_group

    _when_imported(_RESPONSES, fix)
