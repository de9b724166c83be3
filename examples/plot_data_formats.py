"""
Data formats: wide targets with gaps, DataFrames, string tasks
==============================================================

Every estimator in :mod:`sklearn_mtl` takes *long-form* data: one row per
(sample, task) pair, with the row's task in a column of ``X`` (by default the
last). This example shows how to get there from the other common layouts:

1. *wide* targets ``Y`` of shape ``(n_samples, n_tasks)``, every task measured on
   the same samples, with missing targets as NaN
   (:func:`~sklearn_mtl.utils.to_long_form` and
   :func:`~sklearn_mtl.utils.from_long_form`);
2. a pandas DataFrame whose task column has a name, in a pipeline with
   :class:`~sklearn_mtl.TaskAwareScaler`;
3. the tasks given apart from ``X`` with ``tasks=``.

Task labels may be strings; they are kept as given and sorted naturally.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import cross_val_score
from sklearn.pipeline import make_pipeline

from sklearn_mtl import GoMTLRegressor, TaskAwareScaler
from sklearn_mtl.model_selection import TaskStratifiedKFold
from sklearn_mtl.utils import from_long_form, to_long_form

# %%
# Wide data with missing targets
# ------------------------------
# Four sites measure the same 80 samples (8 features each), but every site
# missed about 40% of them. The sites' true weights span two directions.
rng = np.random.RandomState(0)
sites = ["site_1", "site_2", "site_10", "site_3"]
X = rng.normal(size=(80, 8))
weights = rng.normal(size=(8, 2)) @ rng.normal(size=(2, 4))
Y_full = X @ weights + 0.3 * rng.normal(size=(80, 4))
missing = rng.uniform(size=Y_full.shape) < 0.4
Y = np.where(missing, np.nan, Y_full)
print(f"{missing.sum()} of {missing.size} targets missing")

# %%
# :func:`~sklearn_mtl.utils.to_long_form` keeps one row per observed target and
# appends the task column. With string task names the array is of dtype object
# and keeps the names as given.
X_long, y_long = to_long_form(X, Y, task_names=sites)
print(X_long.shape, y_long.shape)
print(X_long[:3, -1])

gomtl = GoMTLRegressor(n_latent=2, random_state=0).fit(X_long, y_long)
# ``tasks_`` is in natural order: site_10 comes after site_3, not after site_1.
print("tasks_:", gomtl.tasks_.tolist())

# %%
# To predict *every* cell, missing ones included, ask for every (sample, task)
# pair (any finite placeholder target keeps all rows), and gather the
# predictions back into wide form with :func:`~sklearn_mtl.utils.from_long_form`.
X_all, _ = to_long_form(X, np.zeros_like(Y), task_names=sites)
_, Y_pred, tasks = from_long_form(X_all, gomtl.predict(X_all))
Y_pred = Y_pred[:, [tasks.tolist().index(site) for site in sites]]
rmse = np.sqrt(np.mean((Y_pred[missing] - Y_full[missing]) ** 2))
print(f"RMSE on the missing targets: {rmse:.2f} (target std {Y_full.std():.2f})")

# %%
# The observed targets (missing ones in grey) and the completed matrix.
fig, axes = plt.subplots(2, 1, figsize=(11, 5), sharex=True)
limit = np.abs(Y_full).max()
cmap = plt.get_cmap("RdBu_r").copy()
cmap.set_bad("0.25")
for ax, matrix, title in [(axes[0], np.ma.masked_invalid(Y.T), "Observed targets Y (missing: dark grey)"),
                          (axes[1], Y_pred.T, "GoMTL predictions for every cell")]:
    image = ax.imshow(matrix, cmap=cmap, vmin=-limit, vmax=limit, aspect="auto",
                      interpolation="nearest")
    ax.set(title=title, ylabel="task", yticks=range(4))
    ax.set_yticklabels(sites)
    fig.colorbar(image, ax=ax, label="target")
axes[1].set_xlabel("sample")
fig.tight_layout()

# %%
# A DataFrame with a named task column
# ------------------------------------
# Name the column with ``task_column``; every step of a pipeline that needs the
# tasks takes the same name. :class:`~sklearn_mtl.TaskAwareScaler` scales the
# features and passes the task column through. Splitting with
# :class:`~sklearn_mtl.model_selection.TaskStratifiedKFold` keeps every task in
# every training fold.
frame = pd.DataFrame(X_long[:, :-1].astype(float), columns=[f"x{i}" for i in range(8)])
frame["site"] = X_long[:, -1]
print(frame[["x0", "x1", "x7", "site"]].head(3))
model = make_pipeline(TaskAwareScaler(task_column="site"),
                      GoMTLRegressor(n_latent=2, task_column="site", random_state=0))
cv = TaskStratifiedKFold(n_splits=3, task_column="site", random_state=0)
scores = cross_val_score(model, frame, y_long, cv=cv)
print("R^2 per fold:", np.round(scores, 3))

# %%
# Tasks given apart from the features
# -----------------------------------
# With ``task_column=None`` the estimator reads the tasks from ``tasks=``, at fit
# and at predict and score alike (an estimator fitted this way refuses to
# predict without them: it never guesses a task).
features, site_of_row = X_long[:, :-1].astype(float), X_long[:, -1]
separate = GoMTLRegressor(n_latent=2, task_column=None, random_state=0)
separate.fit(features, y_long, tasks=site_of_row)
print("same coefficients as the column route:",
      np.allclose(separate.coef_, gomtl.coef_))
scores = separate.per_task_score(features, y_long, tasks=site_of_row)
print("training R^2 per task:", {task: round(score, 3) for task, score in scores.items()})
plt.show()
