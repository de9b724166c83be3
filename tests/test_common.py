"""Every public estimator and transformer through scikit-learn's checks (with
check_param_validation) and the package's multi-task checks.

The instances and their expected failures are the table in
``sklearn_mtl/utils/_test_common.py``: add an estimator there, not here.
"""

import re
import warnings

import pytest
from sklearn.utils.estimator_checks import (
    check_param_validation,
    estimator_checks_generator,
    parametrize_with_checks,
)

from sklearn_mtl import AMTLClassifier, AMTLRegressor, TaskAwareScaler
from sklearn_mtl.utils import _tasks
from sklearn_mtl.utils._tasks import TaskColumnWarning
from sklearn_mtl.utils._test_common import (
    FAMILIES,
    TABLE,
    all_instances,
    expected_failed_checks,
    instance_id,
    multitask_expected_failed_checks,
    multitask_instances,
    multitask_rtol,
    sklearn_instances,
)
from sklearn_mtl.utils.estimator_checks import (
    _check_name,
    check_shared_classes,
    check_task_column_passes_through,
    check_tasks_keyword_needed_after_fit,
    check_tasks_keyword_needs_no_task_column,
    multitask_checks,
    parametrize_with_multitask_checks,
)

SKLEARN_INSTANCES = sklearn_instances()


@pytest.fixture(autouse=True)
def _expected_warnings():
    # scikit-learn's random task column is continuous on purpose (every row its own
    # task); the warning is tested in test_utils.py. DMTRL warns that a one-task
    # net is a full-rank factorisation, which is the point of single-task mode.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", TaskColumnWarning)
        warnings.filterwarnings("ignore", message="init='stl' picked the full task-mode rank")
        yield


# Strict: an expected failure that starts passing fails, so the table stays true.
@parametrize_with_checks(SKLEARN_INSTANCES, expected_failed_checks=expected_failed_checks,
                         xfail_strict=True)
def test_sklearn_compatible(estimator, check):
    check(estimator)


def _param_validation_cases():
    # Not among the checks parametrize_with_checks yields (scikit-learn runs it in
    # its own test_common), so it gets its own test over the same instances.
    cases = []
    for estimator in SKLEARN_INSTANCES:
        reason = expected_failed_checks(estimator).get("check_param_validation")
        marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
        cases.append(pytest.param(estimator, marks=marks, id=instance_id(estimator)))
    return cases


@pytest.mark.parametrize("estimator", _param_validation_cases())
def test_param_validation(estimator):
    check_param_validation(type(estimator).__name__, estimator)


@parametrize_with_multitask_checks(multitask_instances(), rtol=multitask_rtol,
                                   expected_failed_checks=multitask_expected_failed_checks,
                                   xfail_strict=True)
def test_multitask_checks(estimator, check):
    check(estimator)


def _check_names(estimator, suite):
    if suite == "multitask":
        return {_check_name(check) for check in multitask_checks(estimator)}
    checks = estimator_checks_generator(estimator, legacy=True, mark=None)
    return {_check_name(check) for _, check in checks} | {"check_param_validation"}


@pytest.mark.parametrize("suite", ["sklearn", "multitask"])
def test_every_expected_failure_names_a_check_that_runs(suite):
    # Strict xfail catches an expected failure that passes; this catches one whose
    # check no longer runs for the instance (e.g. after a tag change).
    instances = SKLEARN_INSTANCES if suite == "sklearn" else multitask_instances()
    for estimator in instances:
        stale = set(expected_failed_checks(estimator, suite)) - _check_names(estimator, suite)
        assert not stale, f"{instance_id(estimator)}: {sorted(stale)} do not run"


def test_table_covers_every_public_estimator():
    import sklearn_mtl

    public = {getattr(sklearn_mtl, name) for name in sklearn_mtl.__all__}
    assert public == {row.estimator for row in TABLE}
    for family in FAMILIES:
        assert list(all_instances(family)), f"no instance in family {family!r}"
    names = [name for name, _ in all_instances()]
    assert len(names) == len(set(names)) == len(TABLE)
    with pytest.raises(ValueError, match="is not a family"):
        list(all_instances("linear"))


def test_html_display_links_every_estimator_to_its_api_page():
    # Jupyter's display ("?" icon) points at the page doc/api.rst generates.
    from pathlib import Path

    import sklearn_mtl
    from sklearn_mtl._doc_link import DOCS_URL

    api = (Path(__file__).parents[1] / "doc" / "api.rst").read_text()
    documented = set(re.findall(r"^   (\w+)$", api, flags=re.M))
    for row in TABLE:
        estimator, name = row.make(), row.estimator.__name__
        link = f"{DOCS_URL}generated/sklearn_mtl.{name}.html"
        assert estimator._get_doc_link() == link
        assert link in estimator._repr_html_()
        assert name in documented, f"{name} has no page in doc/api.rst"


# --- the multi-task checks themselves catch what they are for ---------------------


class _ListClassesClassifier(AMTLClassifier):
    """Keeps classes_ a per-task list even when every task shares its labels."""

    def _encode_task_labels(self, y, task_index, **kwargs):
        codes = super()._encode_task_labels(y, task_index, **kwargs)
        self.classes_ = list(self.task_classes_)
        return codes


def _guess_the_task_source(estimator, tasks, reset, method):
    # The rule the checks guard, broken: take tasks= whenever given, and predict
    # without it after a tasks= fit (silently as one task).
    if tasks is not None:
        return "tasks"
    return "none" if estimator.task_column is None else "column"


@pytest.mark.parametrize("check, broken, patch, message", [
    (check_shared_classes, _ListClassesClassifier(), False, "must be one ndarray"),
    (check_tasks_keyword_needed_after_fit, AMTLRegressor(), True,
     "predict without tasks= after fitting with tasks= was accepted"),
    (check_tasks_keyword_needs_no_task_column, AMTLRegressor(), True,
     "fit with both tasks= and task_column=-1 was accepted"),
    (check_task_column_passes_through, TaskAwareScaler(task_column=0), False,
     "the task column was changed"),
])
def test_multitask_checks_catch_violations(check, broken, patch, message, monkeypatch):
    if patch:
        monkeypatch.setattr(_tasks, "_check_task_source", _guess_the_task_source)
    with pytest.raises(AssertionError, match=message):
        check(type(broken).__name__, broken)
