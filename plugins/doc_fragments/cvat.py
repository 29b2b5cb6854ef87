# -*- coding: utf-8 -*-
# Copyright: cvatops maintainers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment(object):
    # The connection options every cvatops.aws.cvat_* module shares (plugins/module_utils/cvat.py).
    DOCUMENTATION = r"""
options:
  cvat_url:
    description:
      - Base URL of CVAT, for example C(https://cvat.example.com).
      - If not set, the environment variable E(CVAT_URL) is used.
    type: str
    required: true
  cvat_token:
    description:
      - A personal access token of CVAT (CVAT 2.48 or later), sent in the C(Authorization) header as C(Bearer <token>).
      - If not set, the environment variable E(CVAT_TOKEN) is used.
      - Takes precedence over O(cvat_username) and O(cvat_password).
    type: str
  cvat_username:
    description:
      - User name for basic authentication, for bootstrap before a token exists.
      - If not set, the environment variable E(CVAT_USERNAME) is used.
    type: str
  cvat_password:
    description:
      - Password for basic authentication.
      - If not set, the environment variable E(CVAT_PASSWORD) is used.
    type: str
  cvat_organization:
    description:
      - Slug of the CVAT organization to work in (header C(X-Organization)); omitted means the personal workspace.
      - If not set, the environment variable E(CVAT_ORGANIZATION) is used.
    type: str
  validate_certs:
    description:
      - Verify CVAT's TLS certificate. Turn off only for a test server with a self-signed certificate.
    type: bool
    default: true
  cvat_timeout:
    description:
      - Seconds one HTTP request may take.
    type: int
    default: 30
  cvat_retries:
    description:
      - How often a request is repeated, with exponential backoff, when CVAT answers 429 or 5xx.
      - A POST is repeated only on 429 and 503.
    type: int
    default: 5
notes:
  - Set the connection once for every module of the group with C(module_defaults) on C(group/cvatops.aws.cvat)
    (O(cvat_url), O(cvat_token) and the rest).
  - Secrets (tokens, passwords, storage keys) never appear in the modules' results or diffs.
"""
