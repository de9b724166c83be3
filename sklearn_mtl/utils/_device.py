"""The one device resolution of every estimator (linear and neural)."""

import torch

__all__ = ["resolve_device"]

# Backends an estimator can train on, with how to ask whether this machine has them.
_BACKENDS = {
    "cpu": ("CPU", lambda: True, lambda: 1),
    "cuda": ("CUDA", lambda: torch.cuda.is_available(), lambda: torch.cuda.device_count()),
    "mps": ("MPS", lambda: torch.backends.mps.is_available(), lambda: 1),
    "xpu": ("XPU",
            lambda: hasattr(torch, "xpu") and torch.xpu.is_available(),
            lambda: torch.xpu.device_count()),
}

_VALID = "'cpu', 'cuda', 'cuda:<index>', 'mps', 'xpu' or a torch.device"


def resolve_device(device):
    """A torch device from an estimator's ``device`` parameter, or a clear ``ValueError``.

    Called before any torch code runs, so that a device that is invalid
    (``"tpu"``, ``"garbage"``), not a training backend (``"meta"``) or not
    present on this machine (``"cuda"`` without CUDA, ``"cuda:3"`` on a one-GPU
    machine, ``"mps"`` off Apple silicon) is refused with the same message by
    every estimator, instead of a torch traceback from the middle of a fit.

    Parameters
    ----------
    device : str or torch.device

    Returns
    -------
    device : torch.device
    """
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError):
        raise ValueError(
            f"device={device!r} is not a valid device: use {_VALID}."
        ) from None
    if resolved.type not in _BACKENDS:
        raise ValueError(
            f"device={str(resolved)!r} is not a device the estimators can train on: "
            f"use {_VALID}."
        )
    name, available, count = _BACKENDS[resolved.type]
    if not available():
        raise ValueError(
            f"device={str(resolved)!r} was requested but {name} is not available on "
            "this machine; use device='cpu'."
        )
    if resolved.index is not None and resolved.type != "cpu" and resolved.index >= count():
        raise ValueError(
            f"device={str(resolved)!r} was requested but this machine has {count()} "
            f"{name} device(s) (indices 0 to {count() - 1}); use one of those or "
            "device='cpu'."
        )
    return resolved
