import io
import re
import shutil
import urllib.error
import urllib.request

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline

from sklearn_mtl import GoMTLClassifier, TaskAwareScaler
from sklearn_mtl.datasets import load_landmine, load_school, make_low_rank_tasks
from sklearn_mtl.datasets._real import LANDMINE_URL, SCHOOL_URL
from sklearn_mtl.model_selection import TaskStratifiedKFold

from conftest import shared_file

def _task_counts(X):
    task = X[:, -1]
    assert np.array_equal(task, np.round(task))
    return np.bincount(task.astype(int))


# --- real data --------------------------------------------------------------------


def test_load_school(school_path):
    data = load_school(school_path)
    X, y = data.data, data.target
    assert X.shape == (15362, 28) and y.shape == (15362,)
    assert X.dtype == np.float64 and y.dtype == np.float64
    counts = _task_counts(X)
    assert counts.size == 139 and counts.min() == 22 and counts.max() == 251
    # The bias column is gone: no feature is constant any more.
    assert np.all(X[:, :-1].std(axis=0) > 0)
    assert y.min() == 1 and y.max() == 70
    assert len(data.feature_names) == 28 and data.feature_names[-1] == "school"
    assert data.task_names.shape == (139,) and "School" in data.DESCR
    assert data.frame is None and data.target_names == ["score"]
    X2, y2 = load_school(school_path, return_X_y=True)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


def test_load_landmine(landmine_path):
    data = load_landmine(landmine_path)
    X, y = data.data, data.target
    assert X.shape == (14820, 10) and y.shape == (14820,)
    counts = _task_counts(X)
    assert counts.size == 29 and counts.min() == 445 and counts.max() == 690
    assert y.dtype.kind == "i" and set(np.unique(y)) == {0, 1}
    assert y.sum() == 904 and 0.055 < y.mean() < 0.065
    assert list(data.groups) == ["foliated"] * 15 + ["bare"] * 14
    assert len(data.feature_names) == 10 and data.task_names.shape == (29,)
    assert data.feature_names[-1] == "field" and data.frame is None
    X2, y2 = load_landmine(landmine_path, return_X_y=True)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)


@pytest.mark.parametrize("loader, shared_name, task, target, n_tasks", [
    (load_school, "school.mat", "school", "score", 139),
    (load_landmine, "landmine.mat", "field", "landmine", 29),
])
def test_as_frame(loader, shared_name, task, target, n_tasks):
    path = shared_file(shared_name)
    plain = loader(path)
    data = loader(path, as_frame=True)
    assert isinstance(data.data, pd.DataFrame) and isinstance(data.target, pd.Series)
    assert list(data.data.columns) == plain.feature_names == data.feature_names
    column = data.data[task]
    assert isinstance(column.dtype, pd.CategoricalDtype)
    assert column.cat.categories.tolist() == list(range(n_tasks))
    assert column.cat.codes.tolist() == plain.data[:, -1].astype(int).tolist()
    np.testing.assert_array_equal(data.data.iloc[:, :-1].to_numpy(),
                                  plain.data[:, :-1])
    assert data.target.name == target and data.target_names == [target]
    assert data.target.dtype == plain.target.dtype
    np.testing.assert_array_equal(data.target.to_numpy(), plain.target)
    assert list(data.frame.columns) == plain.feature_names + [target]
    pd.testing.assert_frame_equal(data.frame.iloc[:, :-1], data.data)
    X, y = loader(path, return_X_y=True, as_frame=True)
    pd.testing.assert_frame_equal(X, data.data)
    pd.testing.assert_series_equal(y, data.target)


@pytest.mark.parametrize("loader, shared_name", [(load_school, "school.mat"),
                                                 (load_landmine, "landmine.mat")])
def test_loaders_point_at_task_stratified_cv(loader, shared_name):
    data = loader(shared_file(shared_name))
    assert "sklearn_mtl.model_selection.TaskStratifiedKFold" in loader.__doc__
    assert "TaskStratifiedKFold" in data.DESCR
    # What the advice rests on: rows come task by task, so the default cv (an
    # unshuffled KFold) tests on tasks its training folds never saw, which every
    # estimator refuses; TaskStratifiedKFold trains on every task in every fold.
    task = data.data[:, -1]
    n_tasks = data.task_names.size
    for train, test in KFold(5).split(data.data):
        assert np.setdiff1d(task[test], task[train]).size > 0
    for train, _ in TaskStratifiedKFold(5, random_state=0).split(data.data):
        assert np.unique(task[train]).size == n_tasks


def _no_network(*args, **kwargs):
    raise AssertionError("no download expected: the local or cached file is used")


LOADERS = [
    (load_school, SCHOOL_URL, "school.mat", "school.mat"),
    (load_landmine, LANDMINE_URL, "landmine.mat", "landminedata.mat"),
]


@pytest.mark.parametrize("loader, url, shared_name, cached_name", LOADERS)
def test_download_caches_then_loads(monkeypatch, tmp_path, loader, url, shared_name,
                                    cached_name):
    payload = shared_file(shared_name).read_bytes()
    requested = []

    def fake_urlopen(requested_url, timeout=None):
        requested.append(requested_url)
        return io.BytesIO(payload)

    monkeypatch.setattr(urllib.request, "urlopen", fake_urlopen)
    X, y = loader(data_home=tmp_path, return_X_y=True)
    assert requested == [url]
    cached = tmp_path / "sklearn_mtl" / cached_name
    assert cached.read_bytes() == payload
    assert [p.name for p in cached.parent.iterdir()] == [cached_name]

    monkeypatch.setattr(urllib.request, "urlopen", _no_network)
    X2, y2 = loader(data_home=tmp_path, return_X_y=True, download_if_missing=False)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    X3, _ = loader(shared_file(shared_name), return_X_y=True)
    assert np.array_equal(X, X3)


@pytest.mark.parametrize("loader, url, shared_name, cached_name", LOADERS)
def test_missing_without_download_raises(tmp_path, loader, url, shared_name,
                                         cached_name):
    where = tmp_path / "sklearn_mtl" / cached_name
    message = (f"{cached_name} was not found at {where} and download_if_missing=False. "
               f"Download it from {url}, or pass path= with a local copy of "
               f"{cached_name}.")
    with pytest.raises(FileNotFoundError, match=f"^{re.escape(message)}$"):
        loader(data_home=tmp_path, download_if_missing=False)


@pytest.mark.parametrize("loader, url, shared_name, cached_name", LOADERS)
def test_failed_download_leaves_no_file(monkeypatch, tmp_path, loader, url,
                                        shared_name, cached_name):
    def offline(*args, **kwargs):
        raise urllib.error.URLError("no network")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(OSError, match="Could not download .*Pass path="):
        loader(data_home=tmp_path)
    assert list((tmp_path / "sklearn_mtl").iterdir()) == []


def test_path_overrides_cache_and_network(monkeypatch, tmp_path, school_path):
    local = tmp_path / "my_copy.mat"
    shutil.copy(school_path, local)
    monkeypatch.setattr(urllib.request, "urlopen", _no_network)
    X, _ = load_school(str(local), data_home=tmp_path / "home", return_X_y=True)
    assert X.shape == (15362, 28)
    assert not (tmp_path / "home").exists()


# --- make_low_rank_tasks ----------------------------------------------------------


def test_reproducible_with_random_state():
    first = make_low_rank_tasks(return_structure=True, random_state=3)
    again = make_low_rank_tasks(return_structure=True, random_state=3)
    other = make_low_rank_tasks(return_structure=True, random_state=4)
    for a, b in zip(first[:2], again[:2]):
        assert np.array_equal(a, b)
    assert np.array_equal(first[2].coef, again[2].coef)
    assert not np.allclose(first[0], other[0])
    assert not np.allclose(first[2].coef, other[2].coef)


@pytest.mark.parametrize("groups", ["disjoint", "overlapping"])
def test_targets_follow_the_weights(groups):
    kwargs = dict(n_tasks=6, n_samples=400, n_features=5, n_bases=3, groups=groups,
                  return_structure=True, random_state=0)
    X, y, truth = make_low_rank_tasks(noise=0.0, **kwargs)
    task = X[:, -1].astype(int)
    assert np.array_equal(y, np.einsum("ij,ij->i", X[:, :-1], truth.coef[task]))
    for t in range(6):
        rows = task == t
        np.testing.assert_allclose(y[rows], X[rows, :-1] @ truth.coef[t], rtol=1e-12)
    np.testing.assert_allclose(truth.coef, (truth.components @ truth.codes).T)

    # Same draws at another noise level: only the noise differs, with sd ``noise``.
    X_noisy, y_noisy, truth_noisy = make_low_rank_tasks(noise=0.5, **kwargs)
    assert np.array_equal(X, X_noisy)
    assert np.array_equal(truth.coef, truth_noisy.coef)
    residual = y_noisy - y
    assert abs(residual.mean()) < 0.05 and 0.45 < residual.std() < 0.55


def test_gt1_layouts():
    _, _, disjoint = make_low_rank_tasks(n_tasks=20, n_bases=4, groups="disjoint",
                                         return_structure=True, random_state=0)
    assert disjoint.groups == [(t // 5,) for t in range(20)]
    _, _, overlap = make_low_rank_tasks(n_tasks=20, n_bases=4, groups="overlapping",
                                        return_structure=True, random_state=0)
    assert overlap.groups == [(t // 5, (t // 5 + 1) % 4) for t in range(20)]
    for truth in (disjoint, overlap):
        magnitude = np.abs(truth.codes[truth.codes != 0])
        assert magnitude.min() >= 1.0 and magnitude.max() <= 2.0
        assert {-1.0, 1.0} <= set(np.sign(truth.codes[truth.codes != 0]))


def test_explicit_groups_and_per_task_counts():
    groups = [(t % 3,) for t in range(6)] + [(0, 2)]
    counts = [3, 4, 5, 6, 7, 8, 9]
    X, y, truth = make_low_rank_tasks(n_tasks=7, n_samples=counts, n_features=4,
                                      n_bases=3, groups=groups, return_structure=True,
                                      random_state=1)
    assert X.shape == (42, 5) and y.shape == (42,)
    assert _task_counts(X).tolist() == counts
    assert truth.groups == [tuple(g) for g in groups]
    assert np.array_equal(truth.codes != 0, _support(groups, 3))


def test_shuffle():
    X, _ = make_low_rank_tasks(n_tasks=5, n_samples=10, shuffle=False, random_state=0)
    assert np.array_equal(X[:, -1], np.repeat(np.arange(5.0), 10))
    X, _ = make_low_rank_tasks(n_tasks=5, n_samples=10, random_state=0)
    # Shuffled rows: an unshuffled KFold leaves every task in every training fold.
    for train, _ in KFold(5).split(X):
        assert np.unique(X[train, -1]).size == 5


@pytest.mark.parametrize("kwargs, message", [
    (dict(n_bases=21, n_features=20), "n_bases=21 must not exceed n_features=20"),
    (dict(n_bases=4, n_tasks=3), "n_bases=4 must not exceed n_tasks=3"),
    (dict(n_bases=1, groups="overlapping"), "needs n_bases >= 2"),
    (dict(n_bases=0), "'n_bases' parameter"),
    (dict(groups="blocks"), "'groups' parameter"),
    (dict(noise=-1.0), "'noise' parameter"),
    (dict(n_tasks=2, n_samples=[5, 5, 5]), "one count per task"),
    (dict(n_tasks=2, n_samples=[5, 0]), "positive integers"),
    (dict(n_tasks=2, n_samples=[5.0, 5.0]), "positive integers"),
    (dict(coef_range=(2.0, 1.0)), "0 <= low <= high"),
    (dict(coef_range=(0.0, 0.0)), "high > 0"),
    (dict(coef_range=(1.0,)), r"\(low, high\)"),
    (dict(n_tasks=2, groups=[(0,)]), "each of the 2 tasks"),
    (dict(n_tasks=2, n_bases=2, groups=[(0,), (2,)]), r"groups\[1\]"),
    (dict(n_tasks=2, n_bases=2, groups=[(0,), ()]), r"groups\[1\]"),
    (dict(n_tasks=2, n_bases=2, groups=[(0, 0), (1,)]), r"groups\[0\]"),
    (dict(n_tasks=2, n_bases=2, groups=[(0.5,), (1,)]), r"groups\[0\]"),
])
def test_invalid_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_low_rank_tasks(**kwargs)


def _support(groups, n_bases):
    support = np.zeros((n_bases, len(groups)), dtype=bool)
    for t, bases in enumerate(groups):
        support[list(bases), t] = True
    return support


@st.composite
def _shapes(draw):
    n_tasks = draw(st.integers(1, 12))
    n_features = draw(st.integers(1, 12))
    n_bases = draw(st.integers(1, min(n_tasks, n_features)))
    groups = draw(st.sampled_from(["disjoint", "overlapping"] if n_bases > 1
                                  else ["disjoint"]))
    n_samples = draw(st.integers(1, 6))
    return n_tasks, n_features, n_bases, groups, n_samples


@settings(max_examples=60, deadline=None, derandomize=True)
@given(shape=_shapes(), seed=st.integers(0, 2**32 - 1))
def test_structure_properties(shape, seed):
    n_tasks, n_features, n_bases, groups, n_samples = shape
    X, y, truth = make_low_rank_tasks(n_tasks=n_tasks, n_samples=n_samples,
                                      n_features=n_features, n_bases=n_bases,
                                      groups=groups, return_structure=True,
                                      random_state=seed)
    assert X.shape == (n_tasks * n_samples, n_features + 1)
    assert y.shape == (n_tasks * n_samples,) and np.all(np.isfinite(y))
    assert _task_counts(X).tolist() == [n_samples] * n_tasks
    assert truth.components.shape == (n_features, n_bases)
    assert truth.codes.shape == (n_bases, n_tasks)
    assert truth.coef.shape == (n_tasks, n_features)
    assert np.array_equal(truth.codes != 0, _support(truth.groups, n_bases))
    # Every basis is used and the weight matrix has exactly the rank n_bases.
    assert _support(truth.groups, n_bases).any(axis=1).all()
    assert np.linalg.matrix_rank(truth.coef) == n_bases


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_as_frame_feeds_a_pipeline_by_task_name(landmine_path):
    X, y = load_landmine(landmine_path, return_X_y=True, as_frame=True)
    # 150 rows of two fields keep the fits fast.
    first = X.groupby("field", observed=True).cumcount() < 150
    rows = X["field"].isin([0, 1]) & first
    pipe = make_pipeline(
        TaskAwareScaler(task_column="field"),
        GoMTLClassifier(task_column="field", max_iter=5, random_state=0))
    pipe.fit(X[rows], y[rows])
    assert pipe[-1].tasks_.tolist() == [0, 1]
    assert pipe[-1].feature_names_in_.tolist() == list(X.columns)
    # The categorical task column gives the same model as the array's float ids.
    X_array, y_array = load_landmine(landmine_path, return_X_y=True)
    array_pipe = make_pipeline(TaskAwareScaler(),
                               GoMTLClassifier(max_iter=5, random_state=0))
    array_pipe.fit(X_array[rows.to_numpy()], y_array[rows.to_numpy()])
    np.testing.assert_allclose(pipe.decision_function(X[rows]),
                               array_pipe.decision_function(X_array[rows.to_numpy()]))
