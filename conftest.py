"""Session set-up for the tests and the doctests: one torch thread.

Two torch processes sharing 2 cores with default threading ran tiny models 10-30x
slower in a pilot, and the models under test are tiny.
"""

import torch

torch.set_num_threads(1)
