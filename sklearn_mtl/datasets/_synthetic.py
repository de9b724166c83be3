"""Synthetic multi-task data: low-rank grouped task weights; sparse text-like tasks."""

from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.utils import Bunch, check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

__all__ = ["make_low_rank_tasks", "make_sparse_text_tasks"]


@validate_params(
    {
        "n_tasks": [Interval(Integral, 1, None, closed="left")],
        "n_samples": [Interval(Integral, 1, None, closed="left"), "array-like"],
        "n_features": [Interval(Integral, 1, None, closed="left")],
        "n_bases": [Interval(Integral, 1, None, closed="left")],
        "groups": [StrOptions({"disjoint", "overlapping"}), list, tuple],
        "noise": [Interval(Real, 0, None, closed="left")],
        "coef_range": [tuple],
        "return_structure": ["boolean"],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_low_rank_tasks(
    n_tasks=20,
    n_samples=15,
    n_features=20,
    n_bases=3,
    groups="overlapping",
    noise=0.1,
    coef_range=(1.0, 2.0),
    return_structure=False,
    shuffle=True,
    random_state=None,
):
    """Make regression tasks whose weights are sparse combinations of shared bases.

    The data of the GO-MTL synthetic experiment (Kumar & Daumé III, 2012): the weight
    matrix is ``W = (L S)^T`` with a basis ``L`` of ``n_bases`` columns shared by all
    tasks and sparse codes ``S``, each task using one basis ("disjoint") or two
    neighbouring bases ("overlapping"). Each task then has its own linear regression
    problem ``y = x . w_t + eps`` with ``x ~ N(0, I)`` and ``eps ~ N(0, noise^2)``.

    Parameters
    ----------
    n_tasks : int, default=20
        Number of tasks ``T``.
    n_samples : int or array-like of shape (n_tasks,), default=15
        Rows per task: one count for every task, or one count per task.
    n_features : int, default=20
        Number of features ``d``.
    n_bases : int, default=3
        Number of shared bases ``k`` (the rank of the weight matrix). At most
        ``n_features``, and at most ``n_tasks`` with the named group layouts so that
        every basis is used by some task.
    groups : {"disjoint", "overlapping"} or list of sequences of int, \
            default="overlapping"
        Which bases each task uses. Tasks are split into ``n_bases`` contiguous blocks
        of (nearly) equal size, task ``t`` falling in block
        ``g(t) = floor(t * n_bases / n_tasks)``.

        - "disjoint": task ``t`` uses basis ``g(t)`` alone, so the groups do not
          overlap (with ``T=20, k=4`` this is GT1's ``floor(t / 5)``).
        - "overlapping": task ``t`` uses bases ``g(t)`` and ``(g(t) + 1) % n_bases``,
          so neighbouring groups share a basis. Needs ``n_bases >= 2``.
        - a list of ``n_tasks`` sequences: the active bases of each task, for any
          other layout (e.g. ``[(t % 3,) for t in range(12)]`` for interleaved
          groups).
    noise : float, default=0.1
        Standard deviation of the Gaussian noise added to the targets.
    coef_range : tuple of (float, float), default=(1.0, 2.0)
        The magnitude of each non-zero code is uniform in this range; its sign is
        random.
    return_structure : bool, default=False
        Also return the true basis, codes, weights and groups.
    shuffle : bool, default=True
        Shuffle the rows. Unshuffled rows come task by task, so an unshuffled
        ``KFold`` would hold out whole tasks; shuffled rows suit every CV splitter.
    random_state : int, RandomState instance or None, default=None
        Seed of the basis, codes, features and noise.

    Returns
    -------
    X : ndarray of shape (n_total, n_features + 1)
        Features, with each row's task (``0 .. n_tasks - 1`` stored as float) in the
        last column; ``n_total`` is the sum of the per-task row counts.
    y : ndarray of shape (n_total,)
        Targets.
    structure : :class:`~sklearn.utils.Bunch`
        Only with ``return_structure=True``:

        components : ndarray of shape (n_features, n_bases)
            The shared basis ``L``.
        codes : ndarray of shape (n_bases, n_tasks)
            The sparse codes ``S``, non-zero exactly on each task's active bases.
        coef : ndarray of shape (n_tasks, n_features)
            The task weights ``W = (L S)^T``; row ``t`` belongs to task ``t``.
        groups : list of tuple of int
            The active bases of each task.

    Notes
    -----
    The basis has i.i.d. standard normal entries and is not orthonormalised, which
    is the data GoMTL's acceptance experiment GT1 reports its reference numbers on
    (a pooled model's MSE of 33-53 needs weights of norm about sqrt(d), not 1).
    Only the subspace of ``L`` is identifiable, so compare spans, not columns.

    Every random draw is made whatever ``noise`` is, so for one ``random_state``
    different noise levels give the same features and weights.

    GT1's data: ``n_tasks=20, n_features=20, n_bases=4, groups="disjoint",
    noise=0.1`` with ``n_samples=225``, then a per-task split into 25 training
    rows (``train_test_split(..., train_size=500, stratify=X[:, -1])``) and 200
    test rows.

    References
    ----------
    A. Kumar and H. Daumé III. Learning Task Grouping and Overlap in Multi-task
    Learning. ICML 2012.

    Examples
    --------
    >>> from sklearn_mtl.datasets import make_low_rank_tasks
    >>> X, y, truth = make_low_rank_tasks(n_tasks=6, n_samples=10, n_features=5,
    ...                                   n_bases=2, groups="disjoint",
    ...                                   return_structure=True, random_state=0)
    >>> X.shape, y.shape, truth.coef.shape
    ((60, 6), (60,), (6, 5))
    >>> truth.groups
    [(0,), (0,), (0,), (1,), (1,), (1,)]
    """
    counts = _per_task_counts(n_samples, n_tasks)
    if n_bases > n_features:
        raise ValueError(
            f"n_bases={n_bases} must not exceed n_features={n_features}: the bases "
            "span a subspace of the feature space."
        )
    active = _active_bases(groups, n_tasks, n_bases)
    low, high = _check_coef_range(coef_range)

    rng = check_random_state(random_state)
    components = rng.standard_normal((n_features, n_bases))
    codes = np.zeros((n_bases, n_tasks))
    for t, bases in enumerate(active):
        magnitude = rng.uniform(low, high, size=len(bases))
        codes[list(bases), t] = magnitude * rng.choice([-1.0, 1.0], size=len(bases))
    coef = (components @ codes).T

    task = np.repeat(np.arange(n_tasks), counts)
    features = rng.standard_normal((task.size, n_features))
    eps = rng.standard_normal(task.size)
    if shuffle:
        order = rng.permutation(task.size)
        task, features, eps = task[order], features[order], eps[order]
    X = np.column_stack([features, task.astype(np.float64)])
    # Computed from X itself so that, with noise=0, y equals this very expression.
    y = np.einsum("ij,ij->i", X[:, :-1], coef[task]) + noise * eps
    if not return_structure:
        return X, y
    return X, y, Bunch(components=components, codes=codes, coef=coef, groups=active)


def _per_task_counts(n_samples, n_tasks):
    if isinstance(n_samples, Integral):
        return np.full(n_tasks, n_samples)
    counts = np.asarray(n_samples)
    if counts.shape != (n_tasks,):
        raise ValueError(
            f"n_samples must be an int or hold one count per task ({n_tasks}); "
            f"got shape {counts.shape}."
        )
    if counts.dtype.kind not in "iu" or np.any(counts < 1):
        raise ValueError(f"n_samples must hold positive integers; got {counts}.")
    return counts


def _active_bases(groups, n_tasks, n_bases):
    if isinstance(groups, str):
        if n_bases > n_tasks:
            raise ValueError(
                f"n_bases={n_bases} must not exceed n_tasks={n_tasks} with "
                f"groups={groups!r}: some bases would be used by no task."
            )
        if groups == "overlapping" and n_bases < 2:
            raise ValueError("groups='overlapping' needs n_bases >= 2.")
        block = [t * n_bases // n_tasks for t in range(n_tasks)]
        if groups == "disjoint":
            return [(g,) for g in block]
        return [(g, (g + 1) % n_bases) for g in block]

    if len(groups) != n_tasks:
        raise ValueError(
            f"groups must list the active bases of each of the {n_tasks} tasks; "
            f"got {len(groups)} entries."
        )
    active = []
    for t, bases in enumerate(groups):
        indices = np.atleast_1d(np.asarray(bases))
        if (indices.dtype.kind not in "iu" or indices.ndim != 1 or indices.size == 0
                or np.unique(indices).size != indices.size
                or indices.min() < 0 or indices.max() >= n_bases):
            raise ValueError(
                f"groups[{t}]={bases!r} must be distinct basis indices in "
                f"[0, {n_bases}), at least one."
            )
        active.append(tuple(int(b) for b in indices))
    return active


def _check_coef_range(coef_range):
    if len(coef_range) != 2:
        raise ValueError(f"coef_range must be (low, high); got {coef_range}.")
    low, high = (float(v) for v in coef_range)
    if not 0 <= low <= high or high == 0 or not np.isfinite(high):
        raise ValueError(
            f"coef_range must satisfy 0 <= low <= high, high > 0 and finite; "
            f"got {coef_range}."
        )
    return low, high


#: Exponent of the Zipf law of word frequencies (about 1 in natural language).
_ZIPF_EXPONENT = 1.1


@validate_params(
    {
        "n_tasks": [Interval(Integral, 1, None, closed="left")],
        "n_samples_per_task": [Interval(Integral, 2, None, closed="left"), "array-like"],
        "n_features": [Interval(Integral, 2, None, closed="left")],
        "density": [Interval(Real, 0, 1, closed="right")],
        "n_informative": [Interval(Integral, 1, None, closed="left")],
        "task_similarity": [Interval(Real, 0, 1, closed="both")],
        "noise": [Interval(Real, 0, None, closed="left")],
        "return_sparse": ["boolean"],
        "return_structure": ["boolean"],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_sparse_text_tasks(
    n_tasks=4,
    n_samples_per_task=100,
    n_features=2000,
    density=0.01,
    n_informative=50,
    task_similarity=0.7,
    noise=0.2,
    return_sparse=True,
    return_structure=False,
    shuffle=True,
    random_state=None,
):
    """Make binary text-classification tasks on sparse tf-idf-like features.

    Each row is a "document": about ``density * n_features`` distinct words
    drawn from a vocabulary whose frequencies follow Zipf's law, with counts,
    turned into sublinear tf-idf features (``log(1 + count)`` times the smoothed
    inverse document frequency, rows of unit norm: scikit-learn's
    :class:`~sklearn.feature_extraction.text.TfidfTransformer`), so the
    features are nonnegative and sparse. Task ``t`` labels a document by the
    sign of its score ``x . w_t`` against the task's median, with

    ``w_t = sqrt(task_similarity) * w_shared + sqrt(1 - task_similarity) * v_t``

    where ``w_shared`` and each ``v_t`` are sparse: ``n_informative`` words,
    drawn in proportion to their frequency (so that most documents hold some),
    with standard normal weights. ``task_similarity=1`` makes every task the
    same problem (pooling wins); 0 makes them unrelated (per-task models win).

    Parameters
    ----------
    n_tasks : int, default=4
        Number of tasks.
    n_samples_per_task : int or array-like of shape (n_tasks,), default=100
        Documents per task: one count for every task, or one count per task.
    n_features : int, default=2000
        Vocabulary size.
    density : float in (0, 1], default=0.01
        Expected share of nonzero features per row: each document has
        ``1 + Poisson(density * n_features - 1)`` distinct words (at least one,
        at most ``n_features``).
    n_informative : int, default=50
        Words with a nonzero weight in ``w_shared`` and in each ``v_t``; at most
        ``n_features``.
    task_similarity : float in [0, 1], default=0.7
        Share of each task's weight vector that is shared (see above).
    noise : float, default=0.2
        Standard deviation of the Gaussian noise added to each task's scores,
        relative to the scores' own standard deviation in that task, before
        thresholding; 0 gives labels that are a deterministic function of the
        words.
    return_sparse : bool, default=True
        Return ``X`` as a CSR matrix; False returns a dense array.
    return_structure : bool, default=False
        Also return the true weights.
    shuffle : bool, default=True
        Shuffle the rows. Unshuffled rows come task by task, as in School and
        Landmine, where an unshuffled ``KFold`` holds out whole tasks.
    random_state : int, RandomState instance or None, default=None
        Seed of the vocabulary, documents, weights, noise and shuffle.

    Returns
    -------
    X : sparse matrix (CSR) or ndarray of shape (n_total, n_features + 1)
        Long-form data: the tf-idf features, then each row's task
        (``0 .. n_tasks - 1`` as float) in the last column. Split it with
        :class:`~sklearn_mtl.model_selection.TaskStratifiedKFold`.
    y : ndarray of int of shape (n_total,)
        Labels 0/1, balanced within each task (one half above the median).
    structure : :class:`~sklearn.utils.Bunch`
        Only with ``return_structure=True``:

        coef : ndarray of shape (n_tasks, n_features)
            The weights ``w_t``.
        shared_coef : ndarray of shape (n_features,)
            ``w_shared``.
        word_probability : ndarray of shape (n_features,)
            Each word's Zipf frequency.

    Examples
    --------
    >>> from sklearn_mtl.datasets import make_sparse_text_tasks
    >>> X, y = make_sparse_text_tasks(n_tasks=3, n_samples_per_task=50,
    ...                               n_features=500, density=0.02, random_state=0)
    >>> X.shape, X.format, y.shape
    ((150, 501), 'csr', (150,))
    >>> round(X[:, :-1].nnz / (150 * 500), 2), float(y.mean())
    (0.02, 0.5)
    """
    counts = _per_task_counts(n_samples_per_task, n_tasks)
    if n_informative > n_features:
        raise ValueError(
            f"n_informative={n_informative} must not exceed n_features={n_features}."
        )
    rng = check_random_state(random_state)
    rank = rng.permutation(n_features)  # a word's popularity is unrelated to its index
    probability = 1.0 / (rank + 1.0) ** _ZIPF_EXPONENT
    probability /= probability.sum()

    def sparse_weights():
        weights = np.zeros(n_features)
        words = rng.choice(n_features, size=n_informative, replace=False, p=probability)
        weights[words] = rng.standard_normal(n_informative)
        return weights

    shared = sparse_weights()
    coef = np.array([np.sqrt(task_similarity) * shared
                     + np.sqrt(1.0 - task_similarity) * sparse_weights()
                     for _ in range(n_tasks)])

    n_total = int(counts.sum())
    n_words = np.minimum(1 + rng.poisson(max(density * n_features - 1.0, 0.0), n_total),
                         n_features)
    columns = np.concatenate([
        rng.choice(n_features, size=k, replace=False, p=probability) for k in n_words])
    rows = np.repeat(np.arange(n_total), n_words)
    # Repeated words: a geometric count, more repeats for frequent words.
    word_counts = rng.geometric(1.0 / (1.0 + 50.0 * probability[columns]))
    documents = sp.csr_matrix((word_counts.astype(np.float64), (rows, columns)),
                              shape=(n_total, n_features))
    features = TfidfTransformer(sublinear_tf=True).fit_transform(documents).tocsr()

    task = np.repeat(np.arange(n_tasks), counts)
    scores = np.asarray(features.multiply(coef[task]).sum(axis=1)).ravel()
    y = np.empty(n_total, dtype=np.int64)
    for t in range(n_tasks):
        mine = task == t
        spread = scores[mine].std() or 1.0
        noisy = scores[mine] + noise * spread * rng.standard_normal(mine.sum())
        y[mine] = noisy > np.median(noisy)
    X = sp.hstack([features, sp.csr_matrix(task.astype(np.float64)[:, None])],
                  format="csr")
    if shuffle:
        order = rng.permutation(n_total)
        X, y = X[order], y[order]
    if not return_sparse:
        X = X.toarray()
    if not return_structure:
        return X, y
    return X, y, Bunch(coef=coef, shared_coef=shared, word_probability=probability)
