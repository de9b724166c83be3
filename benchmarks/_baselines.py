"""Baselines for the DMTRL benchmarks, built from the same network class.

STL: one independent net per task. UD-MTL: the first ``n_shared`` parametrised
layers hard-shared, the rest per task. ALL: one net for all tasks (MDL). These
subclass the DMTRL estimators so that data handling, training loop, loss and
hyper-parameters are identical; only the kind of each layer differs.
"""

from sklearn_mtl import DMTRLClassifier, DMTRLRegressor


def _shared_bottom(n_shared):
    def kinds(names):
        return {name: ("shared" if i < n_shared else "independent")
                for i, name in enumerate(names)}
    return kinds


def _make(base, kind, name):
    return type(name, (base,), {"_layer_kind": kind, "__module__": __name__})


STLClassifier = _make(DMTRLClassifier, "independent", "STLClassifier")
STLRegressor = _make(DMTRLRegressor, "independent", "STLRegressor")
ALLClassifier = _make(DMTRLClassifier, "shared", "ALLClassifier")
UD3Classifier = _make(DMTRLClassifier, staticmethod(_shared_bottom(3)), "UD3Classifier")
UD1Regressor = _make(DMTRLRegressor, staticmethod(_shared_bottom(1)), "UD1Regressor")
