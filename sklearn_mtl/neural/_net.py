"""The skorch base of every neural multi-task estimator.

How data flows:

1. ``fit(X, y, tasks=None)`` validates the long-form input with
   :func:`~sklearn_mtl.utils.validate_task_data` (the one validation function)
   and the estimator's own checks (``_check_architecture``), before any torch
   code runs.
2. The features and the encoded task index become one dict,
   ``{"x": float32 tensor (n, n_features), "task": int64 tensor (n,)}``. skorch
   slices dicts row-wise, so every batch carries its rows' task ids to
   ``module.forward(x, task)``; skorch never batches fit params, which is why the
   task ids travel inside ``X``.
3. :class:`MultiTaskNet` (a :class:`skorch.NeuralNet`) trains the module. Its
   :meth:`~MultiTaskNet.get_loss` turns the criterion's per-row losses into the
   multi-task objective (``task_weighting``) and adds the module's own extra
   objective terms (``module.regularization_loss()`` when the module has one).
   Methods that need alternating or reweighting steps add a skorch callback or
   override ``train_step``.

The fitted :class:`MultiTaskNet` is kept as ``net_``, so ``est.net_.history``,
callbacks (early stopping, checkpoints, progress bars), ``device`` and
``warm_start`` are skorch's own.
"""

import contextlib
import numbers
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet
from skorch.utils import to_tensor
from torch.nn import functional as F
from torch.utils.data import Dataset

from ..base import MultiTaskMixin, _binary_proba

__all__ = ["MultiTaskNet", "task_weighted_loss"]


# --------------------------------------------------------------------------- losses


def task_weighted_loss(per_row_loss, task, n_tasks, task_weighting="uniform"):
    """Aggregate per-row losses into the multi-task objective of one batch.

    Parameters
    ----------
    per_row_loss : torch.Tensor of shape (batch,)
    task : LongTensor of shape (batch,)
        Each row's task index in ``[0, n_tasks)``.
    n_tasks : int
    task_weighting : {"uniform", "samples"}, default="uniform"
        ``"uniform"``: the mean over the tasks present in the batch of each
        task's mean loss (every task counts the same, whatever its size; the
        DMTRL authors' objective). ``"samples"``: the mean over rows (large
        tasks count more).

    Returns
    -------
    loss : torch.Tensor (scalar)
    """
    if task_weighting == "samples":
        return per_row_loss.mean()
    sums = per_row_loss.new_zeros(n_tasks).index_add(0, task, per_row_loss)
    counts = torch.bincount(task, minlength=n_tasks)
    present = counts > 0
    return (sums[present] / counts[present].to(per_row_loss.dtype)).mean()


class SquaredErrorLoss(torch.nn.Module):
    """Per-row squared error of a single-output regressor."""

    def forward(self, y_pred, y_true):
        return (y_pred.reshape(y_true.shape) - y_true) ** 2


class LogisticLoss(torch.nn.Module):
    """Per-row logistic loss of one logit, labels in {0, 1}."""

    def forward(self, y_pred, y_true):
        y_true = y_true.to(y_pred.dtype)
        return F.binary_cross_entropy_with_logits(
            y_pred.reshape(y_true.shape), y_true, reduction="none"
        )


class HingeLoss(torch.nn.Module):
    """Per-row hinge loss ``max(0, 1 - s y)`` of one score, labels in {0, 1} (y = 2 label - 1)."""

    def forward(self, y_pred, y_true):
        sign = 2 * y_true.to(y_pred.dtype) - 1
        return torch.clamp(1 - y_pred.reshape(sign.shape) * sign, min=0)


class CrossEntropyLoss(torch.nn.Module):
    """Per-row softmax cross-entropy over padded per-task logits.

    Columns beyond a row's task width hold ``-inf`` (see
    :class:`~sklearn_mtl.nn.TaskSpecificLinear`), so they get probability 0.
    """

    def forward(self, y_pred, y_true):
        return F.cross_entropy(y_pred, y_true.long(), reduction="none")


# --------------------------------------------------------------------------- data


class TaskDataset(Dataset):
    """Rows of ``{"x": features, "task": task ids}`` and targets, fetched by batch.

    ``__getitems__`` returns a whole batch with one index operation per tensor,
    so the loader never collates row by row (see :func:`collate_batch`).
    """

    def __init__(self, X, y=None):
        self.x = X["x"]
        self.task = X["task"]
        self.y = y

    def __len__(self):
        return self.x.shape[0]

    def __getitem__(self, i):
        return self.__getitems__([i])

    def __getitems__(self, indices):
        index = indices if torch.is_tensor(indices) else torch.as_tensor(indices, dtype=torch.long)
        batch = {"x": self.x[index], "task": self.task[index]}
        return batch, (None if self.y is None else self.y[index])


def collate_batch(batch):
    """The batch from :meth:`TaskDataset.__getitems__` is already collated."""
    return batch


class TaskBatchIterator:
    """Minimal batch iterator: one ``randperm`` (or ``arange``) split into batches.

    Used instead of ``torch.utils.data.DataLoader`` by default, because the
    DataLoader's sampler yields Python ints one by one and its fetcher adds
    per-batch overhead that is a visible share of an epoch for small nets.
    Shuffling draws from torch's global generator, as the DataLoader does, so
    ``random_state`` still fixes it. Pass ``net_params={"iterator_train":
    torch.utils.data.DataLoader}`` for worker processes or custom samplers.
    """

    def __init__(self, dataset, batch_size=128, shuffle=False, collate_fn=collate_batch,
                 drop_last=False, **kwargs):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.collate_fn = collate_fn
        self.drop_last = drop_last

    def __len__(self):
        n = len(self.dataset)
        return n // self.batch_size if self.drop_last else -(-n // self.batch_size)

    def __iter__(self):
        n = len(self.dataset)
        order = torch.randperm(n) if self.shuffle else torch.arange(n)
        fetch = getattr(self.dataset, "__getitems__", None)
        for chunk in order.split(self.batch_size):
            if self.drop_last and len(chunk) < self.batch_size:
                break
            if callable(fetch):
                yield self.collate_fn(fetch(chunk.tolist() if not isinstance(
                    self.dataset, TaskDataset) else chunk))
            else:
                yield torch.utils.data.default_collate(
                    [self.dataset[i] for i in chunk.tolist()])


# --------------------------------------------------------------------------- net


class MultiTaskNet(NeuralNet):
    """A skorch ``NeuralNet`` whose loss is a per-task objective.

    The module's ``forward(x, task)`` gets each batch's task ids; the criterion
    returns one loss per row (``reduction="none"``); :meth:`get_loss`
    aggregates them with :func:`task_weighted_loss` and adds
    ``module.regularization_loss()`` when the module defines it (extra
    objective terms such as a robust norm or a sparsity penalty).

    Parameters
    ----------
    module : torch.nn.Module
        With ``forward(x, task)``.
    criterion : torch.nn.Module
        Per-row loss ``criterion(y_pred, y_true) -> (batch,)``.
    n_tasks : int
    task_weighting : {"uniform", "samples"}, default="uniform"
    **kwargs
        Any other :class:`skorch.NeuralNet` parameter.
    """

    def __init__(self, module, criterion, *, n_tasks=1, task_weighting="uniform", **kwargs):
        kwargs.setdefault("iterator_train__collate_fn", collate_batch)
        kwargs.setdefault("iterator_valid__collate_fn", collate_batch)
        kwargs.setdefault("dataset", TaskDataset)
        kwargs.setdefault("iterator_train", TaskBatchIterator)
        kwargs.setdefault("iterator_valid", TaskBatchIterator)
        super().__init__(module, criterion, **kwargs)
        self.n_tasks = n_tasks
        self.task_weighting = task_weighting

    def get_dataset(self, X, y=None):
        if isinstance(X, dict) and "task" in X:
            x = to_tensor(X["x"], device="cpu")
            task = to_tensor(X["task"], device="cpu")
            y = None if y is None else to_tensor(y, device="cpu")
            return TaskDataset({"x": x, "task": task}, y)
        return super().get_dataset(X, y)

    def get_loss(self, y_pred, y_true, X=None, training=False):
        y_true = to_tensor(y_true, device=self.device)
        per_row = self.criterion_(y_pred, y_true)
        task = to_tensor(X["task"], device=self.device)
        loss = task_weighted_loss(per_row, task, self.n_tasks, self.task_weighting)
        penalty = getattr(self.module_, "regularization_loss", None)
        if callable(penalty):
            loss = loss + penalty()
        return loss


def _seed_from(random_state):
    return int(check_random_state(random_state).randint(np.iinfo(np.int32).max))


@contextlib.contextmanager
def seeded_torch(seed, device="cpu"):
    """Run a block with torch's global generators seeded, then restore them.

    skorch initialises modules and shuffles batches with torch's global
    generator, so a fit is made reproducible by seeding it for the duration of
    the fit only (the caller's own random stream is left as it was).
    """
    device = torch.device(device)
    devices = [device] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices, device_type=device.type if devices else "cuda"):
        torch.manual_seed(seed)
        yield


# --------------------------------------------------------------------------- estimator


class BaseMultiTaskNeuralNet(MultiTaskMixin, BaseEstimator):
    """Shared fit/predict machinery of the neural estimators (private base).

    Subclasses provide:

    - ``_check_architecture(n_features, n_tasks, output_sizes)``: validate the
      architecture parameters (called before any torch code);
    - ``_build_module(n_features, n_tasks, output_sizes, X, y)``: return the
      initial module (it may train other nets first, as DMTRL's single-task
      stage does, through :meth:`_train_module`);
    - ``_set_fitted_attributes()``: diagnostics after training (optional).

    Regressor and classifier mixins provide ``_prepare_targets``,
    ``_criterion`` and the prediction methods.
    """

    _parameter_constraints = {
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
        "lr": [Interval(Real, 0, None, closed="neither")],
        "batch_size": [Interval(Integral, -1, None, closed="left")],
        "optimizer": [type],
        "task_weighting": [StrOptions({"uniform", "samples"})],
        "callbacks": [list, None],
        "train_split": [callable, None],
        "net_params": [dict, None],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "device": [str, torch.device],
        "random_state": ["random_state"],
        "task_column": [Integral, str, None],
    }

    _skorch_params = (
        "max_epochs",
        "lr",
        "batch_size",
        "optimizer",
        "callbacks",
        "train_split",
        "warm_start",
        "verbose",
        "device",
    )

    # ---- data

    def _as_net_input(self, features, task_index):
        return {
            # C order: validation may return Fortran-ordered features, whose row
            # gathers cost ~7x more per batch.
            "x": torch.as_tensor(np.ascontiguousarray(features, dtype=np.float32)),
            "task": torch.as_tensor(task_index, dtype=torch.long),
        }

    def _net_kwargs(self, max_epochs=None, warm_start=None, callbacks="default"):
        if self.batch_size == 0:
            raise ValueError("batch_size=0 is not valid: use -1 for full-batch training")
        kwargs = {
            "max_epochs": self.max_epochs if max_epochs is None else max_epochs,
            "lr": self.lr,
            "batch_size": self.batch_size,
            "optimizer": self.optimizer,
            "callbacks": (self.callbacks if callbacks == "default" else callbacks),
            "train_split": self.train_split,
            "warm_start": self.warm_start if warm_start is None else warm_start,
            "verbose": int(self.verbose),
            "device": self.device,
            "iterator_train__shuffle": True,
        }
        if not self.verbose:
            # PrintLog formats its table every epoch even when nothing is printed.
            kwargs["callbacks__print_log"] = None
        kwargs.update(self.net_params or {})
        return kwargs

    def _train_module(self, module, X, y, n_tasks, *, max_epochs=None, callbacks="default",
                      warm_start=False):
        """Train ``module`` with a fresh :class:`MultiTaskNet`; return the net."""
        net = MultiTaskNet(
            module,
            self._criterion(),
            n_tasks=n_tasks,
            task_weighting=self.task_weighting,
            **self._net_kwargs(max_epochs=max_epochs, warm_start=warm_start,
                               callbacks=callbacks),
        )
        net.fit(X, y)
        return net

    # ---- fit / predict

    def _fit(self, X, y, tasks):
        warm = bool(self.warm_start) and hasattr(self, "net_")
        features, task_index, y = self._validate_task_data(
            X, y, tasks, reset=not warm, y_numeric=self._y_numeric
        )
        n_tasks = len(self.tasks_)
        targets, output_sizes = self._prepare_targets(y, task_index, warm)
        self._check_architecture(features.shape[1], n_tasks, output_sizes)
        net_X = self._as_net_input(features, task_index)
        if not hasattr(self, "_seed") or not warm:
            self._seed = _seed_from(self.random_state)
        with seeded_torch(self._seed + (len(self.net_.history) if warm else 0), self.device):
            if warm:
                self.net_.partial_fit(net_X, targets)
            else:
                module = self._build_module(features.shape[1], n_tasks, output_sizes,
                                            net_X, targets)
                self.net_ = self._train_module(module, net_X, targets, n_tasks,
                                               warm_start=self.warm_start)
        self._set_fitted_attributes()
        return self

    def _set_fitted_attributes(self):
        pass

    def _forward(self, X, tasks, module=None):
        """The module's raw outputs for validated input, as a numpy array."""
        check_is_fitted(self, "net_")
        features, task_index, _ = self._validate_task_data(X, None, tasks, reset=False)
        net_X = self._as_net_input(features, task_index)
        if module is None:
            # The DataLoader draws a base seed from torch's global generator even
            # without shuffling; prediction should not move the caller's stream.
            with torch.random.fork_rng(devices=[]):
                output = self.net_.forward(net_X, training=False)
        else:
            dataset = TaskDataset(net_X)
            module.eval()
            with torch.no_grad():
                output = module(dataset.x.to(self.device), dataset.task.to(self.device))
        return output.detach().cpu().numpy(), task_index

    @property
    def history_(self):
        """skorch's training history of the final fit (``net_.history``)."""
        check_is_fitted(self, "net_")
        return self.net_.history

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags


class _NeuralRegressorMixin:
    """Single-output regression: squared error, one output unit per task."""

    _y_numeric = True

    def _prepare_targets(self, y, task_index, warm):
        y = np.asarray(y, dtype=np.float32)
        if y.ndim != 1:
            raise ValueError(
                f"y must be 1-dimensional (one target per row), got shape {y.shape}"
            )
        return y, None

    def _criterion(self):
        return SquaredErrorLoss()

    def predict(self, X, tasks=None):
        """Predict each row with its task's network.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_columns)
            Long-form features with the task column (see ``task_column``).
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        output, _ = self._forward(X, tasks)
        return output.reshape(-1).astype(np.float64)


class _NeuralClassifierMixin:
    """Per-task label sets: one logit per task when every task is binary
    (homogeneous MTL), else one softmax head per task (heterogeneous MTL)."""

    _y_numeric = False

    def _prepare_targets(self, y, task_index, warm):
        if warm:
            old = [classes.copy() for classes in self.classes_]
        codes = self._encode_task_labels(y, task_index)
        if warm and any(
            a.shape != b.shape or np.any(a != b) for a, b in zip(old, self.classes_)
        ):
            raise ValueError("warm_start=True needs the same classes per task as the first fit")
        sizes = [len(classes) for classes in self.classes_]
        self.binary_tasks_ = all(size == 2 for size in sizes)
        if self.loss == "hinge" and not self.binary_tasks_:
            raise ValueError(
                "loss='hinge' needs every task to be binary; tasks have "
                f"{sizes} classes. Use loss='log_loss' for multi-class tasks."
            )
        if self.binary_tasks_:
            return codes.astype(np.float32), None
        return codes, sizes

    def _criterion(self):
        if not self.binary_tasks_:
            return CrossEntropyLoss()
        return HingeLoss() if self.loss == "hinge" else LogisticLoss()

    def decision_function(self, X, tasks=None):
        """Raw network outputs.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_columns)
            Long-form features with the task column.
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.

        Returns
        -------
        scores : ndarray of shape (n_samples,) or (n_samples, max_n_classes)
            When every task is binary: the score of each row's positive class
            ``classes_[t][1]`` (a logit for ``loss="log_loss"``, a margin for
            ``"hinge"``). Otherwise each row's logits over its task's classes,
            padded with ``-inf`` beyond that task's number of classes.
        """
        output, _ = self._forward(X, tasks)
        return output.astype(np.float64)

    def predict_proba(self, X, tasks=None):
        """Probabilities over each row's own task's classes.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_columns)
            Long-form features with the task column.
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.

        Returns
        -------
        proba : ndarray of shape (n_samples, max_n_classes)
            Column ``j`` of a row of task ``t`` is the probability of
            ``classes_[t][j]``; columns beyond that task's number of classes
            are 0. With ``loss="hinge"`` the sigmoid of the margin is returned
            (a monotone score, not a calibrated probability).
        """
        scores = self.decision_function(X, tasks)
        if scores.ndim == 1:
            return _binary_proba(scores)
        scores = scores - scores.max(axis=1, keepdims=True)
        proba = np.exp(scores)
        return proba / proba.sum(axis=1, keepdims=True)

    def predict(self, X, tasks=None):
        """Predict each row's label from its own task's classes.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_columns)
            Long-form features with the task column.
        tasks : array-like of shape (n_samples,), default=None
            Each row's task, when ``X`` holds only features.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
        """
        output, task_index = self._forward(X, tasks)
        codes = (output > 0).astype(np.int64) if output.ndim == 1 else output.argmax(1)
        return self._decode_task_labels(codes, task_index)


def check_positive_int_tuple(value, name):
    """A tuple of ints >= 1 (an int alone is a tuple of one), or a ValueError."""
    message = f"{name}={value!r} is not valid: it must be a tuple of ints >= 1"
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value,)
    try:
        value = tuple(value)
    except TypeError:
        raise ValueError(message) from None
    if any(isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < 1 for v in value):
        raise ValueError(message)
    return tuple(int(v) for v in value)
