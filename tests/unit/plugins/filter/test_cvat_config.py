# -*- coding: utf-8 -*-

# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""cvatops.aws.cvat_projects_errors: the preflight of cvat_config_projects."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.cvatops.aws.plugins.filter.cvat_config import cvat_projects_errors

GOOD = {"name": "p", "labels": [{"name": "car"}], "tasks": [{"name": "t", "files": ["a/"]}]}


@pytest.mark.parametrize(
    "projects, errors",
    [
        ([], []),
        ([GOOD, dict(GOOD, name="q", tasks=[])], []),
        ([GOOD, GOOD], ["project names repeat: p"]),
        ([dict(GOOD, labels=[])], ["project 'p': labels are required"]),
        ([dict(GOOD, labels=[{"name": "a"}, {"name": "a"}])], ["project 'p': labels must have unique names; repeated: a"]),
        ([dict(GOOD, tasks=[{"name": "t", "files": ["a/"]}, {"name": "t", "files": ["b/"]}])], ["project 'p': task names repeat: t"]),
        ([dict(GOOD, tasks=[{"name": "t", "files": []}])],
         ["project 'p', task 't': files: give at least one object key or prefix (a prefix ends with /)"]),
        ([dict(GOOD, tasks=[{"files": ["a/"]}])], ["project 'p': every task needs a name of 1-256 characters"]),
        ([{"name": "", "labels": []}], ["project #0: name must be 1-256 characters", "project #0: labels are required"]),
        # Every problem at once, not only the first.
        ([GOOD, GOOD, dict(GOOD, name="x", labels=[])], ["project names repeat: p", "project 'x': labels are required"]),
    ],
    ids=["none", "good", "repeated project", "no labels", "repeated label", "repeated task", "task without files",
         "task without name", "empty project", "several"],
)
def test_cvat_projects_errors(projects, errors):
    assert cvat_projects_errors(projects) == errors


def test_not_a_list():
    with pytest.raises(AnsibleFilterError, match="expects a list, got dict"):
        cvat_projects_errors({})
