"""The link from an estimator's HTML display (Jupyter) to its API page."""

#: Where the built documentation (``doc/``) is published. The API pages are
#: ``generated/sklearn_mtl.<Name>.html`` (``doc/api.rst``: every public estimator
#: is documented at the package's top level).
DOCS_URL = "https://sklearn-mtl.readthedocs.io/en/latest/"


class DocLinkMixin:
    """scikit-learn's HTML repr links to this package's API page, not sklearn's.

    Without it the "?" icon of the display is absent for estimators outside
    scikit-learn. Every public estimator is exported (and documented) at the
    package's top level, whatever private module it lives in.
    """

    _doc_link_module = "sklearn_mtl"
    _doc_link_template = DOCS_URL + "generated/sklearn_mtl.{estimator_name}.html"

    def _doc_link_url_param_generator(self):
        return {"estimator_name": type(self).__name__}
