# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runtime compatibility patches that make moto behave like AWS where our modules notice.

Every patch is a small function registered with :func:`_patch`. Its docstring says
(a) the documented AWS behaviour it restores, (b) what stock moto 5.2.5 does instead and
(c) which Ansible module breaks because of it. Each one has a test in
``tests/emulator/test_patches.py`` that calls the real boto3 API against the emulator.

Nothing in site-packages is edited: patches rebind attributes of imported moto modules,
so they only affect the process that called :func:`apply_all`.

Set ``AWSEMU_DISABLE_PATCHES=name[,name...]`` to skip patches, e.g. to confirm that a
patch's test fails on stock moto.
"""

from __future__ import annotations

import functools
import importlib.abc
import importlib.machinery
import os
import sys
import threading
from collections.abc import Callable
from types import ModuleType
from typing import Any

_REGISTRY: dict[str, Callable[[], None]] = {}
_APPLIED: list[str] = []
_LOCK = threading.Lock()


def _patch(func: Callable[[], None]) -> Callable[[], None]:
    """Register ``func`` under its own name; registration order is application order."""
    _REGISTRY[func.__name__] = func
    return func


class _CallbackLoader(importlib.abc.Loader):
    """Runs the real loader, then ``callback`` on the fresh module, before anyone can use it."""

    def __init__(self, loader: importlib.abc.Loader, callback: Callable[[ModuleType], None]) -> None:
        self._loader = loader
        self._callback = callback

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType | None:
        """Delegate: the real loader decides how the module object is made."""
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        """Execute the module, then patch it while the import lock still hides it from other threads."""
        self._loader.exec_module(module)
        self._callback(module)


class _PostImportFinder(importlib.abc.MetaPathFinder):
    """Finds ``name`` through the other finders and wraps its loader, once.

    It then stays in ``sys.meta_path`` but inert: removing it could make another thread,
    iterating the list for an unrelated import at that moment, skip a finder.
    """

    def __init__(self, name: str, callback: Callable[[ModuleType], None]) -> None:
        self._name = name
        self._callback = callback
        self._done = False

    def find_spec(self, fullname: str, path: Any, target: ModuleType | None = None) -> importlib.machinery.ModuleSpec | None:
        """Spec of ``name`` with a :class:`_CallbackLoader`; None for every other module."""
        if fullname != self._name or self._done:
            return None
        self._done = True  # before searching, so a second hook on the same module chains instead of recursing
        for finder in [finder for finder in sys.meta_path if finder is not self]:
            spec = finder.find_spec(fullname, path, target) if hasattr(finder, "find_spec") else None
            if spec is not None and spec.loader is not None:
                spec.loader = _CallbackLoader(spec.loader, self._callback)
                return spec
        return None


def _when_imported(name: str, callback: Callable[[ModuleType], None]) -> None:
    """Call ``callback(module)`` as soon as module ``name`` is imported (now, if it already is).

    Importing moto's EC2 package costs about a second, mostly building instance-type
    and availability-zone tables; deferring EC2 patches to moto's own import keeps that
    cost off emulator start-up and off test sessions that never call EC2.
    """
    module = sys.modules.get(name)
    if module is not None:
        callback(module)
    else:
        sys.meta_path.insert(0, _PostImportFinder(name, callback))


@_patch
def iam_aws_managed_policies() -> None:
    """AWS-managed IAM policies exist in every account.

    (a) AWS: ``arn:aws:iam::aws:policy/...`` policies such as AmazonSSMManagedInstanceCore
        and CloudWatchAgentServerPolicy can always be read and attached.
    (b) moto 5.2.5 only loads them when ``MOTO_IAM_LOAD_MANAGED_POLICIES=true``; otherwise
        GetPolicy/AttachRolePolicy fail with NoSuchEntity. moto reads the variable when an
        IAM backend is created, so this must run before the first IAM request (and it
        survives ``/moto-api/reset``, which recreates the backends).
    (c) amazon.aws.iam_role with ``managed_policies`` naming AWS-managed ARNs fails.
    """
    os.environ["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"


@_patch
def ec2_tag_resource_types() -> None:
    """DescribeTags reports (and filters on) AWS's own ``resource-type`` names.

    (a) AWS: NAT gateways are ``natgateway`` and Elastic IPs ``elastic-ip`` in DescribeTags
        results and in its ``resource-type`` filter (same names as in TagSpecifications).
    (b) moto 5.2.5 derives the type from ``moto.ec2.utils.EC2_PREFIX_TO_RESOURCE`` and
        answers ``nat-gateway`` / ``vpc-elastic-ip``, so a ``resource-type=natgateway``
        filter returns nothing.
    (c) amazon.aws.ec2_vpc_nat_gateway (and ec2_eip) read their tags back that way, see
        none and re-tag: "changed" on every run.
    """

    def fix(ec2_utils: ModuleType) -> None:
        ec2_utils.EC2_PREFIX_TO_RESOURCE.update(
            {
                ec2_utils.EC2_RESOURCE_TO_PREFIX["nat-gateway"]: "natgateway",
                ec2_utils.EC2_RESOURCE_TO_PREFIX["vpc-elastic-ip"]: "elastic-ip",
            }
        )

    _when_imported("moto.ec2.utils", fix)


@_patch
def iam_list_service_specific_credentials() -> None:
    """ListServiceSpecificCredentials answers (with an empty list: moto cannot create any).

    (a) AWS: ``ListServiceSpecificCredentials(UserName=...)`` returns the user's
        CodeCommit/Keyspaces credentials, an empty list for most users, and NoSuchEntity
        for an unknown user.
    (b) moto 5.2.5 does not implement the action: HTTP 500 with an HTML body
        (``NotImplementedError``), which botocore reports as invalid XML.
    (c) amazon.aws.iam_user with ``state: absent`` fails: it lists (and deletes) the
        user's service-specific credentials before DeleteUser.
    """

    def fix(iam_responses: ModuleType) -> None:
        def list_service_specific_credentials(self: Any) -> Any:
            user_name = self._get_param("UserName")  # pylint: disable=protected-access
            if user_name:
                self.backend.get_user(user_name)  # raises NoSuchEntity, as AWS does
            return iam_responses.ActionResult({"ServiceSpecificCredentials": []})

        iam_responses.IamResponse.list_service_specific_credentials = list_service_specific_credentials

    _when_imported("moto.iam.responses", fix)


@_patch
def kms_key_state_by_arn() -> None:
    """Enable/DisableKey and Schedule/CancelKeyDeletion accept a key ARN, not only a key id.

    (a) AWS: ``KeyId`` of these four operations may be the key id or the key ARN.
    (b) moto 5.2.5 validates the ARN but then indexes its key table with it unchanged:
        ``KeyError`` -> HTTP 500 (botocore retries, then fails).
    (c) amazon.aws.kms_key passes the key ARN: ``state: absent``, ``enabled: false`` and
        re-creating a key that is pending deletion all fail.
    """

    def accept_arn(method: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(method)
        def wrapper(backend: Any, key_id: str, *args: Any, **kwargs: Any) -> Any:
            return method(backend, backend.get_key_id(key_id), *args, **kwargs)

        return wrapper

    def fix(kms_models: ModuleType) -> None:
        for name in ("enable_key", "disable_key", "cancel_key_deletion", "schedule_key_deletion"):
            setattr(kms_models.KmsBackend, name, accept_arn(getattr(kms_models.KmsBackend, name)))

    _when_imported("moto.kms.models", fix)


# Patches of further services live in modules of their own and register themselves here on import.
from . import patches_backup, patches_cache, patches_cache_parameters, patches_compute, patches_edge, patches_storage, patches_teardown  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import,cyclic-import
from . import patches_restore  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import,cyclic-import
from . import patches_monitoring  # noqa: E402,F401  pylint: disable=wrong-import-position,unused-import,cyclic-import


def available() -> list[str]:
    """Names of all registered patches, in application order."""
    return list(_REGISTRY)


def disabled() -> set[str]:
    """Patch names listed in ``AWSEMU_DISABLE_PATCHES``."""
    return {name.strip() for name in os.environ.get("AWSEMU_DISABLE_PATCHES", "").split(",") if name.strip()}


def apply_all() -> list[str]:
    """Apply every registered patch not yet applied (and not disabled); return those applied.

    Idempotent and thread-safe: several emulators in one process share moto's module
    state, so a patch must never be stacked twice.
    """
    skipped = disabled()
    unknown = skipped - set(_REGISTRY)
    if unknown:
        raise ValueError(f"AWSEMU_DISABLE_PATCHES names unknown patches: {', '.join(sorted(unknown))}")
    with _LOCK:
        for name, func in _REGISTRY.items():
            if name not in _APPLIED and name not in skipped:
                func()
                _APPLIED.append(name)
        return list(_APPLIED)
