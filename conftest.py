"""Session set-up for the tests and the doctests: one torch thread, one BLAS thread.

Two torch processes sharing 2 cores with default threading ran tiny models 10-30x
slower in a pilot, and the models under test are tiny. The same holds for
OpenBLAS: with another process busy on the second core, numpy's SVD of a
784 x 640 matrix (a DMTRL layer's unfolding) took 9.5 s on 2 threads against
0.26 s on one.
"""

import torch
from threadpoolctl import threadpool_limits

torch.set_num_threads(1)
threadpool_limits(1)
