"""The skorch base of every neural multi-task estimator.

How data flows:

1. ``fit(X, y, tasks=None)`` checks the skorch-level parameters and the device
   (:meth:`BaseMultiTaskNeuralNet._check_training_params`), validates the
   long-form input with :func:`~sklearn_mtl.utils.validate_task_data` (the one
   validation function) and the method's architecture
   (``_check_architecture``), all before any torch code runs.
2. The features and the encoded task index become one dict,
   ``{"x": float32 tensor (n, n_features), "task": int64 tensor (n,)}``. skorch
   slices dicts row-wise, so every batch carries its rows' task ids to
   ``module.forward(x, task)``; skorch never batches fit params, which is why the
   task ids travel inside ``X``.
3. :class:`MultiTaskNet` (a :class:`skorch.NeuralNet`) trains the module with
   skorch's own loop. ``forward`` returns a tensor (the prediction) or a dict
   (``"prediction"`` plus whatever the loss needs) or a tuple (prediction
   first); :meth:`~MultiTaskNet.get_loss` sums the named terms of
   :meth:`~MultiTaskNet.objective_terms`, which receives those outputs: nothing
   is stored on the module between forward and loss.

The hooks a method overrides (see the developer page, "How a deep method is
built"):

========================================  ==========================================
hook                                      what it is for
========================================  ==========================================
``_check_architecture(n_features,         validate the architecture parameters (no
n_tasks, output_sizes)``                  torch yet); :func:`~sklearn_mtl.nn.check_backbone`
                                          does dense/conv geometry and ``input_shape``
``_build_module(n_features, n_tasks,      return the module, built from the validated
output_sizes, X, y)``                     shapes (per-task label sets: ``task_classes_``)
``MultiTaskNet.objective_terms(outputs,   named scalar terms of one batch's objective
y_true, X, training)``                    (subclass; ``super()`` gives the supervised one)
``_net_class`` / ``_method_net_params()``  the net class and its extra arguments
``_method_callbacks()``                   the method's own (name, callback) pairs,
                                          placed before the user's ``callbacks``
``_set_fitted_attributes()``              diagnostics after training
``_requires_y`` / ``_semi_supervised``    ``fit(X)`` without ``y``; ``y = -1`` rows
                                          are unlabelled
``_uses_unlabelled_rows()``               False: drop the ``y = -1`` rows (no term
                                          reads them)
========================================  ==========================================

The fitted :class:`MultiTaskNet` is kept as ``net_``, so ``est.net_.history``,
callbacks (early stopping, checkpoints, progress bars), ``device`` and
``warm_start`` are skorch's own.
"""

import contextlib
import inspect
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet
from skorch.callbacks import Callback
from skorch.utils import to_tensor
from torch.utils.data import Dataset

from ..base import MultiTaskMixin, _binary_proba, _plain
from ..nn._objectives import (  # noqa: F401 (the losses are re-exported for methods)
    CrossEntropyLoss,
    HingeLoss,
    LogisticLoss,
    SquaredErrorLoss,
    labelled_rows,
    per_task_mean,
    task_weighted_loss,
)
from ..nn._network import check_positive_int_tuple  # noqa: F401 (re-exported)
from ..utils._device import resolve_device

__all__ = ["BaseMultiTaskNeuralNet", "MultiTaskNet", "task_weighted_loss"]


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
    """A skorch ``NeuralNet`` whose loss is a sum of named per-batch objective terms.

    The module's ``forward(x, task)`` gets each batch's task ids and returns the
    prediction (a tensor), or a dict with the entry ``"prediction"`` and
    whatever else the method's loss needs (codes, reconstructions...), or a
    tuple whose first item is the prediction. :meth:`get_loss` sums the terms
    of :meth:`objective_terms`, which gets those outputs directly.

    The default terms are ``"supervised"``: the criterion's per-row losses of
    the labelled rows, aggregated per task (:func:`task_weighted_loss`), and
    ``"regularization"``: ``module.regularization_loss()`` when the module
    defines it. A method subclasses this net and overrides
    :meth:`objective_terms` (calling ``super()`` for the supervised term, or
    :meth:`task_losses` for the per-task losses themselves).

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

    # ---- the objective

    @staticmethod
    def prediction(outputs):
        """The prediction entry of the module's outputs (tensor, dict or tuple)."""
        if isinstance(outputs, dict):
            return outputs["prediction"]
        if isinstance(outputs, (tuple, list)):
            return outputs[0]
        return outputs

    def task_losses(self, outputs, y_true, X):
        """Each task's mean criterion loss over its labelled rows in the batch.

        Rows whose target marks them unlabelled (:func:`~sklearn_mtl.nn.labelled_rows`)
        add an exact zero. Returns ``(losses, counts)``, both of shape
        ``(n_tasks,)``; a task with no labelled row has loss 0 and count 0.
        """
        y_true, task = self._targets_and_tasks(y_true, X)
        per_row, mask = self._per_row_loss(self.prediction(outputs), y_true)
        return per_task_mean(per_row, task, self.n_tasks, mask)

    def supervised_loss(self, outputs, y_true, X):
        """The supervised term: per-task losses aggregated by ``task_weighting``."""
        y_true, task = self._targets_and_tasks(y_true, X)
        per_row, mask = self._per_row_loss(self.prediction(outputs), y_true)
        return task_weighted_loss(per_row, task, self.n_tasks, self.task_weighting, mask)

    def objective_terms(self, outputs, y_true, X, training=False):
        """Named scalar terms of the objective of one batch (summed by :meth:`get_loss`).

        Parameters
        ----------
        outputs : Tensor, dict or tuple
            What ``module.forward(x, task)`` returned for this batch.
        y_true : Tensor or None
            The batch's targets; None in an unsupervised fit.
        X : dict
            The batch, ``{"x": ..., "task": ...}``.
        training : bool

        Returns
        -------
        terms : dict of str to scalar Tensor
        """
        terms = {}
        if y_true is not None:
            terms["supervised"] = self.supervised_loss(outputs, y_true, X)
        penalty = getattr(self.module_, "regularization_loss", None)
        if callable(penalty):
            terms["regularization"] = penalty()
        return terms

    def get_loss(self, y_pred, y_true, X=None, training=False):
        terms = self.objective_terms(y_pred, y_true, X, training=training)
        if not terms:
            raise RuntimeError(
                f"{type(self).__name__}.objective_terms returned no term: an "
                "unsupervised fit needs a method that defines its own objective terms"
            )
        return sum(terms.values())

    def _targets_and_tasks(self, y_true, X):
        return (to_tensor(y_true, device=self.device),
                to_tensor(X["task"], device=self.device))

    def _per_row_loss(self, prediction, y_true):
        mask = labelled_rows(y_true)
        if bool(mask.all()):
            return self.criterion_(prediction, y_true), None
        # Placeholder labels keep the criterion (and its gradient) finite on
        # unlabelled rows; the mask then drops them exactly.
        safe = torch.where(mask, y_true, torch.zeros((), dtype=y_true.dtype,
                                                     device=y_true.device))
        return self.criterion_(prediction, safe), mask

    # ---- inference

    def forward(self, X, training=False, device="cpu"):
        """skorch's ``forward`` (outputs of every batch concatenated), also for
        modules whose outputs are dicts (every entry has one row per sample)."""
        outputs = list(self.forward_iter(X, training=training, device=device))
        if isinstance(outputs[0], dict):
            return {key: torch.cat([batch[key] for batch in outputs]) for key in outputs[0]}
        if isinstance(outputs[0], tuple):
            return tuple(map(torch.cat, zip(*outputs)))
        return torch.cat(outputs)


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


# Arguments of skorch's NeuralNet, and the prefixes of its routed ones, that
# ``net_params`` may set; the estimator's own parameters and what the method
# builds (module, criterion) are refused there.
_NET_ARGUMENTS = frozenset(inspect.signature(NeuralNet.__init__).parameters) - {
    "self", "kwargs", "module", "criterion"}
_NET_PREFIXES = tuple(NeuralNet.prefixes_) + ("optimizer",)


# --------------------------------------------------------------------------- estimator


class BaseMultiTaskNeuralNet(MultiTaskMixin, BaseEstimator):
    """Shared fit/predict machinery of the neural estimators (private base).

    A method provides (see the module docstring and the developer page):

    - ``_check_architecture(n_features, n_tasks, output_sizes)``: validate the
      architecture parameters, before any torch code
      (:func:`~sklearn_mtl.nn.check_backbone` for dense/conv backbones);
    - ``_build_module(n_features, n_tasks, output_sizes, X, y)``: return the
      initial module. ``output_sizes`` is None (one output per task) or each
      task's number of classes; the label sets are ``task_classes_``. It may
      train other nets first through :meth:`_train_module` (DMTRL's
      single-task stage);
    - ``_net_class`` (a :class:`MultiTaskNet` subclass whose
      ``objective_terms`` adds the method's terms) and
      ``_method_net_params()`` (its extra arguments, e.g. penalty weights);
    - ``_method_callbacks()``: the method's own ``(name, callback)`` pairs
      (reweighting, freezing), placed before the user's ``callbacks``;
    - ``_set_fitted_attributes()``: diagnostics after training (optional);
    - ``_requires_y = False`` for methods that fit ``fit(X)`` without targets;
      ``_semi_supervised = True`` for classifiers that read ``y = -1`` as an
      unlabelled row (as :mod:`sklearn.semi_supervised`): such rows reach the
      forward pass and the method's unsupervised terms, never the supervised one.

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

    #: The dtype the module computes in; the task-data validation refuses
    #: features whose magnitude would overflow it.
    _compute_dtype = np.float32

    #: The skorch net that trains the module (a method's subclass adds terms).
    _net_class = None

    #: Whether ``fit`` needs targets (False: ``fit(X)``, an unsupervised method).
    _requires_y = True

    #: Whether ``y = -1`` marks an unlabelled row (classifiers only).
    _semi_supervised = False

    # ---- hooks with defaults

    def _check_architecture(self, n_features, n_tasks, output_sizes):
        """Validate the architecture parameters against the data (no torch yet)."""

    def _method_net_params(self):
        """Extra arguments of ``_net_class`` (the method's objective weights)."""
        return {}

    def _uses_unlabelled_rows(self):
        """Whether an unsupervised term reads the ``y = -1`` rows of a semi-supervised
        fit (False: they are dropped before training)."""
        return True

    def _method_callbacks(self):
        """The method's own ``(name, callback)`` pairs, run before the user's."""
        return []

    def _set_fitted_attributes(self):
        pass

    def _criterion(self):
        return SquaredErrorLoss()

    # ---- checks before any training

    def _check_training_params(self):
        """Validate ``device``, ``optimizer``, ``callbacks`` and ``net_params``.

        Returns the resolved torch device. Messages name the parameter and the
        fix; nothing here builds a module or touches data.
        """
        device = resolve_device(self.device)
        name = type(self).__name__
        optimizer = self.optimizer
        if not (isinstance(optimizer, type) and issubclass(optimizer, torch.optim.Optimizer)):
            raise ValueError(
                f"optimizer={optimizer!r} is not a torch optimizer: pass a subclass of "
                "torch.optim.Optimizer such as torch.optim.Adam (the class, not an "
                "instance)."
            )
        method_names = {cb_name for cb_name, _ in self._method_callbacks()}
        for i, item in enumerate(self.callbacks or []):
            cb_name, callback = (item if isinstance(item, tuple) and len(item) == 2
                                 else (None, item))
            is_callback = isinstance(callback, Callback) or (
                isinstance(callback, type) and issubclass(callback, Callback))
            if not is_callback or (cb_name is not None and not isinstance(cb_name, str)):
                raise ValueError(
                    f"callbacks[{i}]={item!r} is not valid: each item of callbacks must "
                    "be a skorch callback (an instance of skorch.callbacks.Callback, or "
                    "the class) or a (name, callback) pair."
                )
            if cb_name in method_names:
                raise ValueError(
                    f"callbacks[{i}] is named {cb_name!r}, the name of a callback that "
                    f"{name} adds itself; give it another name."
                )
        own = set(self._skorch_params) | set(self.get_params(deep=False))
        for key in (self.net_params or {}):
            if not isinstance(key, str):
                raise ValueError(f"net_params keys must be strings; got {key!r}.")
            if key in own:
                raise ValueError(
                    f"net_params={{{key!r}: ...}} sets {key!r}, a parameter of {name} "
                    f"itself: pass {name}({key}=...) instead (validated, and seen by "
                    "get_params and grid searches)."
                )
            root = key.split("__", 1)[0]
            if root in ("module", "criterion") or key in self._method_net_params():
                raise ValueError(
                    f"net_params={{{key!r}: ...}} is not allowed: {name} builds its "
                    "module, criterion and objective from its own parameters."
                )
            if not (key in _NET_ARGUMENTS or ("__" in key and root in _NET_PREFIXES)):
                raise ValueError(
                    f"net_params={{{key!r}: ...}} is not a skorch NeuralNet argument: use "
                    "one of NeuralNet's (e.g. 'iterator_train', 'use_caching') or a "
                    "routed one ('optimizer__weight_decay', 'iterator_train__shuffle', "
                    "'callbacks__<name>__<param>')."
                )
        if self.batch_size == 0:
            raise ValueError("batch_size=0 is not valid: use -1 for full-batch training")
        return device

    # ---- data

    def _as_net_input(self, features, task_index):
        # C order: validation may return Fortran-ordered features, whose row
        # gathers cost ~7x more per batch. A read-only array (a joblib memmap in
        # a parallel search) is copied: torch warns on sharing non-writeable memory.
        x = np.ascontiguousarray(features, dtype=self._compute_dtype)
        if not x.flags.writeable:
            x = x.copy()
        return {"x": torch.as_tensor(x), "task": torch.as_tensor(task_index, dtype=torch.long)}

    def _net_kwargs(self, max_epochs=None, warm_start=None, callbacks="default"):
        if callbacks == "default":
            callbacks = list(self._method_callbacks()) + list(self.callbacks or [])
        kwargs = {
            "max_epochs": self.max_epochs if max_epochs is None else max_epochs,
            "lr": self.lr,
            "batch_size": self.batch_size,
            "optimizer": self.optimizer,
            "callbacks": callbacks,
            "train_split": self.train_split,
            "warm_start": self.warm_start if warm_start is None else warm_start,
            "verbose": int(self.verbose),
            "device": str(resolve_device(self.device)),
            "iterator_train__shuffle": True,
        }
        if not self.verbose:
            # PrintLog formats its table every epoch even when nothing is printed.
            kwargs["callbacks__print_log"] = None
        kwargs.update(self.net_params or {})
        return kwargs

    def _train_module(self, module, X, y, n_tasks, *, max_epochs=None, callbacks="default",
                      warm_start=False, net_class=None):
        """Train ``module`` with a fresh net (``_net_class`` by default); return the net.

        ``callbacks="default"``: the method's callbacks then the user's; a list
        (or None) replaces both, e.g. for a pre-training stage.
        """
        net_class = net_class or self._net_class or MultiTaskNet
        net = net_class(
            module,
            # An unsupervised fit has no supervised term; skorch still wants one.
            SquaredErrorLoss() if y is None else self._criterion(),
            n_tasks=n_tasks,
            # A method whose objective weights the tasks itself has no such parameter.
            task_weighting=getattr(self, "task_weighting", "uniform"),
            **self._method_net_params(),
            **self._net_kwargs(max_epochs=max_epochs, warm_start=warm_start,
                               callbacks=callbacks),
        )
        net.fit(X, y)
        return net

    # ---- fit / predict

    def _fit(self, X, y, tasks):
        device = self._check_training_params()
        warm = bool(self.warm_start) and hasattr(self, "net_")
        features, task_index, y = self._validate_task_data(
            X, y, tasks, reset=not warm, y_numeric=self._y_numeric
        )
        n_tasks = len(self.tasks_)
        targets, output_sizes = (None, None) if y is None else self._prepare_targets(
            y, task_index, warm)
        self._check_architecture(features.shape[1], n_tasks, output_sizes)
        if targets is not None and self._semi_supervised and not self._uses_unlabelled_rows():
            # No term would read them: leave them out, so that the fit is exactly
            # the fit on the labelled rows alone (and cheaper).
            keep = (~np.isnan(targets) if targets.dtype.kind == "f" else targets >= 0)
            features, task_index, targets = features[keep], task_index[keep], targets[keep]
        net_X = self._as_net_input(features, task_index)
        if not hasattr(self, "_seed") or not warm:
            self._seed = _seed_from(self.random_state)
        with seeded_torch(self._seed + (len(self.net_.history) if warm else 0), device):
            if warm:
                self.net_.partial_fit(net_X, targets)
            else:
                module = self._build_module(features.shape[1], n_tasks, output_sizes,
                                            net_X, targets)
                self.net_ = self._train_module(module, net_X, targets, n_tasks,
                                               warm_start=self.warm_start)
        self._set_fitted_attributes()
        return self

    _y_numeric = False

    def _module_outputs(self, X, tasks, module=None):
        """The module's outputs (tensor, dict or tuple, on CPU) for validated input,
        and the rows' task indices."""
        check_is_fitted(self, "net_")
        features, task_index, _ = self._validate_task_data(X, None, tasks, reset=False)
        net_X = self._as_net_input(features, task_index)
        if module is None:
            # The DataLoader draws a base seed from torch's global generator even
            # without shuffling; prediction should not move the caller's stream.
            with torch.random.fork_rng(devices=[]):
                outputs = self.net_.forward(net_X, training=False)
        else:
            module.eval()
            device = next(module.parameters()).device
            with torch.no_grad():
                outputs = module(net_X["x"].to(device), net_X["task"].to(device))
        return outputs, task_index

    def _forward(self, X, tasks, module=None):
        """The module's prediction for validated input, as a numpy array."""
        outputs, task_index = self._module_outputs(X, tasks, module)
        prediction = MultiTaskNet.prediction(outputs)
        return prediction.detach().cpu().numpy(), task_index

    @property
    def history_(self):
        """skorch's training history of the final fit (``net_.history``)."""
        check_is_fitted(self, "net_")
        return self.net_.history

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        if not self._requires_y:
            tags.target_tags.required = False
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
        codes = self._encode_labels(
            y, task_index, warm, max_classes=None if self._multi_class_tasks else 2)
        sizes = [len(classes) for classes in self.task_classes_]
        self.binary_tasks_ = all(size == 2 for size in sizes)
        if self._loss == "hinge" and not self.binary_tasks_:
            raise ValueError(
                "loss='hinge' needs every task to be binary; tasks have "
                f"{sizes} classes. Use loss='log_loss' for multi-class tasks."
            )
        if self.binary_tasks_:
            return _binary_codes(codes), None
        return codes, sizes

    def _encode_labels(self, y, task_index, warm, **kwargs):
        """Per-task label codes (``task_classes_``), -1 on unlabelled rows.

        Rows with ``y == -1`` are unlabelled when the method is semi-supervised
        (``_semi_supervised``); their labels take no part in the label sets.
        ``warm=True`` refuses label sets that differ from the first fit's.
        """
        if warm:
            old = [classes.copy() for classes in self.task_classes_]
        labelled = unlabelled_mask(y) if self._semi_supervised else None
        if labelled is None:
            codes = self._encode_task_labels(y, task_index, **kwargs)
        else:
            labelled = ~labelled
            counts = np.bincount(task_index[labelled], minlength=len(self.tasks_))
            if not counts.all():
                missing = [_plain(t) for t, c in zip(self.tasks_, counts) if not c]
                raise ValueError(
                    f"Task(s) {missing} have no labelled row (every y is -1): each task "
                    "needs labelled rows of two or more classes."
                )
            codes = np.full(y.shape[0], -1, dtype=np.int64)
            codes[labelled] = self._encode_task_labels(
                np.asarray(y)[labelled], task_index[labelled], **kwargs)
        if warm and any(
            a.shape != b.shape or np.any(a != b) for a, b in zip(old, self.task_classes_)
        ):
            raise ValueError("warm_start=True needs the same classes per task as the first fit")
        return codes

    @property
    def _loss(self):
        # Methods without a ``loss`` parameter train on the log-loss.
        return getattr(self, "loss", "log_loss")

    def _criterion(self):
        if not self.binary_tasks_:
            return CrossEntropyLoss()
        return HingeLoss() if self._loss == "hinge" else LogisticLoss()

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


def unlabelled_mask(y):
    """Rows whose label is -1 (unlabelled, as in :mod:`sklearn.semi_supervised`),
    or None when every row is labelled."""
    y = np.asarray(y)
    if y.dtype.kind in "USb":
        return None
    mask = np.asarray(y == -1, dtype=bool).reshape(-1)
    return mask if mask.any() else None


def _binary_codes(codes):
    """Binary class codes as float targets; NaN marks an unlabelled row."""
    targets = codes.astype(np.float32)
    targets[codes < 0] = np.nan
    return targets
