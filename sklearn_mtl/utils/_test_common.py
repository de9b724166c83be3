"""The common test table: every public estimator and transformer, with its fast
test instances and its expected failures, in one place (as imbalanced-learn's
``imblearn/utils/_test_common/instance_generator.py``).

``tests/test_common.py`` runs every instance through scikit-learn's
``parametrize_with_checks`` (plus ``check_param_validation``) and through the
package's multi-task checks (:mod:`sklearn_mtl.utils.estimator_checks`).
Adding an estimator to the test suite is one :class:`Row` in :data:`TABLE`.

Each row gives:

- ``params``: fast constructor parameters, shared by all of the row's instances
  (few iterations or epochs, tiny nets, a fixed ``random_state``);
- ``sklearn``: the instances for scikit-learn's checks, as
  ``{mode: expected failures}``. ``"task_column"`` is the default instance (each
  row's task read from the last column, which scikit-learn's checks fill with
  random floats, so that every row is its own task); ``"single_task"`` sets
  ``task_column=None``, where the same code paths run on scikit-learn's data as
  one task. Expected failures are ``{check name: reason}``, the reasons taken
  from the constants below so each is written once;
- ``multitask``: parameter overrides for the multi-task checks' instance (task
  column at -1), its ``rtol`` and its expected multi-task failures.

The fuzz suite and other tests read the table through :func:`all_instances`.
"""

import re
from dataclasses import dataclass, field

from sklearn.decomposition import PCA
from sklearn.preprocessing import MinMaxScaler

from .. import (
    AMTFLClassifier,
    AMTFLClassifierCV,
    AMTFLRegressor,
    AMTFLRegressorCV,
    AMTLClassifier,
    AMTLClassifierCV,
    AMTLRegressor,
    AMTLRegressorCV,
    DeepAMTFLClassifier,
    DeepAMTFLRegressor,
    DMTRLClassifier,
    DMTRLRegressor,
    GoMTLClassifier,
    GoMTLClassifierCV,
    GoMTLRegressor,
    GoMTLRegressorCV,
    JointAEClassifier,
    JointAutoencoder,
    RobustJointAutoencoder,
    RobustJointGAN,
    RobustJointNetClassifier,
    RobustJointNetRegressor,
    TaskAwareScaler,
    TaskAwareTransformer,
)

__all__ = [
    "FAMILIES",
    "TABLE",
    "Row",
    "all_instances",
    "expected_failed_checks",
    "instance_id",
    "multitask_expected_failed_checks",
    "multitask_instances",
    "multitask_rtol",
    "sklearn_instances",
]

# --- reasons, each written once ---------------------------------------------------

UNSEEN_TASKS_IN_HELD_OUT_SPLIT = (
    "scikit-learn fills the task column (-1) with random floats, so every row is its "
    "own task; check_fit_idempotent predicts a held-out split whose tasks were never "
    "seen at fit, which correctly raises 'not seen during fit'"
)
FLOAT32_BATCH_ROUNDING = (
    "float32 network: the matmul of a batch of 60 rows and of a batch of 10 rows "
    "round differently in the last bits (~4e-7 relative), above the check's rtol "
    "of 1e-7"
)

AMTFL_CV_FEW_STEPS = (
    "the table's AMTFLRegressorCV runs 20 Adam steps per candidate to keep its checks "
    "fast; check_regressors_train needs R^2 > 0.5, which AMTFLRegressor reaches at "
    "200 steps (its own row)"
)

# DeepAMTFLClassifier(one_vs_rest=True): one sigmoid task per class.
ONE_VS_REST_BINARY_DECISION_SHAPE = (
    "pending: with one_vs_rest=True and two classes, decision_function has shape "
    "(n_samples, 2), one logit per class, where scikit-learn's binary convention is "
    "(n_samples,), the score of classes_[1]"
)
ONE_VS_REST_PROBA_NOT_MONOTONE = (
    "pending: with one_vs_rest=True, predict_proba normalises independent per-class "
    "sigmoids and decision_function has one column per class, so predict_proba[:, 1] "
    "does not rank the rows as the decision scores do"
)
ONE_VS_REST_ONE_SAMPLE_MESSAGE = (
    "pending: a one-row fit is refused with 'one_vs_rest=True needs two or more "
    "classes in y; got 1', which names neither '1 sample' nor '1 class' as "
    "scikit-learn's message check expects"
)

NO_PREDICT_GENERATIVE = (
    "a generative model has no predict; its per-task behaviour is sample(n, task), whose "
    "unknown-task refusal and reproducibility tests/test_robust_joint.py covers")

#: The families of :func:`all_instances`.
# "linear_cv": the CV estimators are searches over the linear ones; the fuzz suite
# (tests/test_bad_input.py) does not cover them yet: a few of its exact messages and
# tolerances differ for a search (a 1-row task is refused before any fit).
FAMILIES = ("linear_regressor", "linear_classifier", "linear_cv", "neural", "autoencoder",
            "generative", "transformer")

SINGLE_TASK = {"task_column": None}
_MODES = {"task_column": {}, "single_task": SINGLE_TASK}


@dataclass(frozen=True)
class Row:
    """One public estimator (or transformer) in the common tests.

    Parameters
    ----------
    estimator : type
        The public class.
    family : str
        One of :data:`FAMILIES`.
    params : dict
        Fast constructor parameters shared by every instance of the row.
    sklearn : dict
        ``{mode: {check name: reason}}``, one scikit-learn-check instance per
        mode: ``"task_column"`` (the default task column), ``"single_task"``
        (``task_column=None``), or a mode the row names in ``mode_params``.
    mode_params : dict
        ``{mode: parameter overrides}`` for a mode's instance.
    multitask : dict
        Parameter overrides for the multi-task checks' instance.
    multitask_rtol : float
        Tolerance of the multi-task checks that compare two fits.
    multitask_failures : dict
        ``{check name: reason}`` for the multi-task checks.
    """

    estimator: type
    family: str
    params: dict = field(default_factory=dict)
    sklearn: dict = field(default_factory=lambda: {"task_column": {}})
    mode_params: dict = field(default_factory=dict)
    multitask: dict = field(default_factory=dict)
    multitask_rtol: float = 1e-6
    multitask_failures: dict = field(default_factory=dict)

    def make(self, mode="task_column", **overrides):
        """A fresh instance in ``mode`` ("task_column", "single_task" or "multitask")."""
        if mode == "multitask":
            return self.estimator(**{**self.params, **self.multitask, **overrides})
        return self.estimator(**{**self.params, **_MODES.get(mode, {}),
                                 **self.mode_params.get(mode, {}), **overrides})


# --- fast parameters --------------------------------------------------------------

# scikit-learn's checks fit each instance dozens of times: a few solver iterations
# or epochs exercise every code path (the contract does not depend on convergence).
_NET = dict(hidden_layer_sizes=(8,), batch_size=-1, random_state=0)
_DMTRL = dict(_NET, max_epochs=15, lr=5e-2)
# The multi-task checks compare two fits at rtol=1e-4: longer, gentler training.
_DMTRL_MULTITASK = dict(max_epochs=30, lr=3e-2)
_DEEP_AMTFL = dict(_NET, max_epochs=20, lr=3e-2)
_JOINT_AE = dict(_NET, n_private=2, n_shared=2, max_epochs=15, lr=5e-2,
                 output_activation=None)
_ROBUST_JOINT = dict(_NET, lr=3e-2, n_init_epochs=10, irls_every=5, max_irls_iter=2)
# single_task=False: one candidate per instance keeps the checks fast and the refit
# independent of the folds (which depend on row order); tests/test_cv.py covers the
# no-sharing candidate.
_CV = dict(cv=2, random_state=0, single_task=False)
_CV_GOMTL = dict(_CV, sparsities=[1.0], basis_penalties=[1.0], max_iter=3)
_CV_AMTL = dict(_CV, transfer_strengths=[0.1], transfer_sparsities=[1.0], max_iter=3)
_CV_AMTFL = dict(_CV, transfer_strengths=[1.0], sparsities=[1e-3], max_iter=20)

# Classifiers run scikit-learn's checks in single-task mode only: with the task
# column, every row of scikit-learn's data is its own task with a single label,
# which is correctly refused ("Task ... has one class"), so every fitting check
# would fail for that one reason and test nothing else. Their multi-task
# behaviour is covered by the multi-task checks.
TABLE = [
    Row(GoMTLRegressor, "linear_regressor", dict(random_state=0),
        sklearn={"task_column": {"check_fit_idempotent": UNSEEN_TASKS_IN_HELD_OUT_SPLIT},
                 "single_task": {}}),
    # tol=1e-3 halves the checks' time; the multi-task checks keep the default.
    Row(GoMTLClassifier, "linear_classifier", dict(random_state=0, tol=1e-3),
        sklearn={"single_task": {}}, multitask=dict(tol=1e-5)),
    Row(AMTLRegressor, "linear_regressor",
        sklearn={"task_column": {"check_fit_idempotent": UNSEEN_TASKS_IN_HELD_OUT_SPLIT},
                 "single_task": {}}),
    Row(AMTLClassifier, "linear_classifier", sklearn={"single_task": {}}),
    # 200 Adam steps for check_regressors_train's R^2 > 0.5 on one task; 50 pass
    # every other check (10 s less over the three instances).
    Row(AMTFLRegressor, "linear_regressor", dict(max_iter=200, random_state=0),
        sklearn={"task_column": {"check_fit_idempotent": UNSEEN_TASKS_IN_HELD_OUT_SPLIT},
                 "single_task": {}},
        mode_params={"task_column": dict(max_iter=50)},
        multitask=dict(max_iter=300)),
    Row(AMTFLClassifier, "linear_classifier", dict(max_iter=50, random_state=0),
        sklearn={"single_task": {}}, multitask=dict(max_iter=300)),
    # The CV estimators: one-point grids, 2 folds, few iterations (the search and
    # refit run once per check). Single-task mode only: with the task column every
    # row of scikit-learn's data is its own task, which no task-stratified fold can
    # hold in both its training and test rows.
    Row(GoMTLRegressorCV, "linear_cv", _CV_GOMTL, sklearn={"single_task": {}}),
    Row(GoMTLClassifierCV, "linear_cv", _CV_GOMTL, sklearn={"single_task": {}}),
    Row(AMTLRegressorCV, "linear_cv", _CV_AMTL, sklearn={"single_task": {}}),
    Row(AMTLClassifierCV, "linear_cv", _CV_AMTL, sklearn={"single_task": {}}),
    Row(AMTFLRegressorCV, "linear_cv", _CV_AMTFL,
        sklearn={"single_task": {"check_regressors_train": AMTFL_CV_FEW_STEPS}},
        multitask=dict(max_iter=100)),
    Row(AMTFLClassifierCV, "linear_cv", _CV_AMTFL, sklearn={"single_task": {}},
        multitask=dict(max_iter=100)),
    Row(DMTRLRegressor, "neural", _DMTRL,
        sklearn={"task_column": {"check_fit_idempotent": UNSEEN_TASKS_IN_HELD_OUT_SPLIT},
                 "single_task": {}},
        # Every row its own task makes as many task heads as rows: a smaller net
        # keeps this instance about as fast as the single-task one.
        mode_params={"task_column": dict(max_epochs=5, hidden_layer_sizes=(4,))},
        multitask=_DMTRL_MULTITASK, multitask_rtol=1e-4),
    Row(DMTRLClassifier, "neural", _DMTRL,
        sklearn={"single_task": {"check_methods_subset_invariance": FLOAT32_BATCH_ROUNDING}},
        multitask=_DMTRL_MULTITASK, multitask_rtol=1e-4),
    Row(DeepAMTFLRegressor, "neural", _DEEP_AMTFL,
        sklearn={"task_column": {"check_fit_idempotent": UNSEEN_TASKS_IN_HELD_OUT_SPLIT},
                 "single_task": {}},
        multitask_rtol=1e-4),
    Row(DeepAMTFLClassifier, "neural", _DEEP_AMTFL,
        sklearn={"single_task": {},
                 # The classes are the tasks (multi-class, no task column).
                 "one_vs_rest": {
                     "check_classifiers_classes": ONE_VS_REST_BINARY_DECISION_SHAPE,
                     "check_classifiers_train": ONE_VS_REST_BINARY_DECISION_SHAPE,
                     "check_decision_proba_consistency": ONE_VS_REST_PROBA_NOT_MONOTONE,
                     "check_fit2d_1sample": ONE_VS_REST_ONE_SAMPLE_MESSAGE,
                 }},
        mode_params={"one_vs_rest": dict(one_vs_rest=True, task_column=None)},
        multitask_rtol=1e-4),
    Row(RobustJointNetRegressor, "neural", _ROBUST_JOINT,
        sklearn={"task_column": {"check_fit_idempotent": UNSEEN_TASKS_IN_HELD_OUT_SPLIT},
                 "single_task": {}},
        multitask_rtol=1e-4),
    Row(RobustJointNetClassifier, "neural", _ROBUST_JOINT,
        sklearn={"single_task": {"check_methods_subset_invariance": FLOAT32_BATCH_ROUNDING}},
        multitask_rtol=1e-4),
    Row(RobustJointAutoencoder, "autoencoder",
        dict(_ROBUST_JOINT, n_components=2, output_activation=None),
        sklearn={"task_column": {"check_fit_idempotent": UNSEEN_TASKS_IN_HELD_OUT_SPLIT},
                 "single_task": {}},
        multitask_rtol=1e-4,
        multitask_failures={"check_task_column_passes_through": (
            "that check is for task-aware wrappers; transform returns each row's code, "
            "not the features with the task column")}),
    Row(JointAEClassifier, "neural", _JOINT_AE,
        sklearn={"single_task": {"check_classifiers_classes": (
            "y=-1 marks unlabelled rows (semi-supervised fit), so the labels {-1, 1} "
            "of this check leave one class")}},
        multitask=_DMTRL_MULTITASK, multitask_rtol=1e-4),
    Row(JointAutoencoder, "autoencoder", _JOINT_AE,
        sklearn={"task_column": {"check_fit_idempotent": UNSEEN_TASKS_IN_HELD_OUT_SPLIT},
                 "single_task": {}},
        mode_params={"task_column": dict(max_epochs=2, hidden_layer_sizes=(2,),
                                         n_private=1, n_shared=1)},
        multitask=_DMTRL_MULTITASK, multitask_rtol=1e-4,
        multitask_failures={"check_task_column_passes_through": (
            "that check is for task-aware wrappers; transform returns each row's code, "
            "not the features with the task column")}),
    Row(RobustJointGAN, "generative", dict(_ROBUST_JOINT, latent_dim=2, output_activation=None),
        multitask_failures={name: NO_PREDICT_GENERATIVE for name in (
            "check_unseen_task_raises", "check_task_labels_and_order_invariance",
            "check_tasks_keyword_matches_task_column",
            "check_single_task_like_single_task_model")}),
    Row(TaskAwareScaler, "transformer"),
    Row(TaskAwareTransformer, "transformer", dict(transformer=MinMaxScaler())),
    # A wrapped transformer that changes the number of feature columns and, unlike
    # the scalers, accepts sparse input but not NaN (the wrapper's tags follow it).
    Row(TaskAwareTransformer, "transformer", dict(transformer=PCA(n_components=1))),
]


def _rows(kind=None):
    if kind is not None and kind not in FAMILIES:
        raise ValueError(f"kind={kind!r} is not a family; use one of {FAMILIES} or None")
    return [row for row in TABLE if kind is None or row.family == kind]


def instance_id(estimator):
    """The instance's repr without white space, as scikit-learn's test ids."""
    return re.sub(r"\s", "", repr(estimator))


def all_instances(kind=None):
    """Yield ``(name, estimator)``: each row's fast multi-task instance, fresh.

    The instance reads each row's task from the last column of ``X``
    (``task_column=-1``); ``set_params(task_column=None)`` gives its single-task
    form.

    Parameters
    ----------
    kind : str, default=None
        One of :data:`FAMILIES` ("linear_regressor", "linear_classifier",
        "linear_cv", "neural", "autoencoder", "generative", "transformer"), or None for all.
    """
    for row in _rows(kind):
        estimator = row.make("multitask")
        yield instance_id(estimator), estimator


def sklearn_instances(kind=None):
    """Every instance scikit-learn's checks run, one per row and mode."""
    return [row.make(mode) for row in _rows(kind) for mode in row.sklearn]


def multitask_instances(kind=None):
    """Every instance the package's multi-task checks run, one per row."""
    return [row.make("multitask") for row in _rows(kind)]


def _failure_table(suite):
    table = {}
    for row in TABLE:
        if suite == "sklearn":
            entries = [(row.make(mode), failures) for mode, failures in row.sklearn.items()]
        else:
            entries = [(row.make("multitask"), row.multitask_failures)]
        for estimator, failures in entries:
            key = instance_id(estimator)
            if key in table:
                raise ValueError(f"The table has two {suite} instances {key}")
            table[key] = failures
    return table


_EXPECTED_FAILURES = {suite: _failure_table(suite) for suite in ("sklearn", "multitask")}


def expected_failed_checks(estimator, suite="sklearn"):
    """``{check name: reason}`` for an instance built by this table.

    ``suite`` is "sklearn" (scikit-learn's checks) or "multitask" (the
    package's multi-task checks).
    """
    return dict(_EXPECTED_FAILURES[suite][instance_id(estimator)])


def multitask_expected_failed_checks(estimator):
    """:func:`expected_failed_checks` for the multi-task checks."""
    return expected_failed_checks(estimator, suite="multitask")


def multitask_rtol(estimator):
    """The multi-task checks' tolerance for an instance built by this table."""
    return next(row.multitask_rtol for row in TABLE if type(estimator) is row.estimator)
