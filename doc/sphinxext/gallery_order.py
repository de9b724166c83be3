"""The order of the gallery: first steps, then one example per method."""

# Examples not listed here follow, in file-name order.
ORDER = [
    "quickstart.py",
    "plot_data_formats.py",
    "plot_choosing_a_method.py",
    "plot_gomtl_basis.py",
    "plot_amtl_transfer.py",
    "plot_amtfl_feedback.py",
    "plot_deep_amtfl_imbalanced.py",
    "plot_dmtrl_sharing.py",
    "plot_joint_ae_reconstructions.py",
    "plot_robust_joint_network.py",
]


class GalleryOrder:
    """sphinx-gallery ``within_subsection_order``: listed files first."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        if filename in ORDER:
            return (0, ORDER.index(filename), filename)
        return (1, 0, filename)

    def __repr__(self):
        return f"<{type(self).__name__}>"
