import numpy as np
import pytest

from minivec.data import make_synthetic_pair

#: Small but complete pipeline settings for synthetic tests; tol=None runs all n_iter
#: Refine-1 iterations (the paper's way), so that tests can count them.
FAST = dict(n_runs=8, n_clusters=12, qap_restarts=8, anchor_sample=None, n_neighbors=20,
            n_iter=40, refine_sample=2000, refine_neighbors=20, refine_clusters=60,
            tol=None, verbose=False)


@pytest.fixture(scope="session")
def synthetic():
    """Hierarchical synthetic pair, B = A turned by a secret rotation."""
    return make_synthetic_pair(n_train=3000, n_eval=1024, d=32, random_state=0)


@pytest.fixture
def rng():
    return np.random.default_rng(0)
