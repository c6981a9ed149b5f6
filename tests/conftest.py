"""Test-session settings."""

import torch


def pytest_configure(config):
    # All test data is tiny, and on a busy 2-core machine torch's thread pools
    # turn small ops 40-300x slower once a second thread is in play (measured:
    # exp and logsumexp after set_num_threads(2), matmul before it).  One
    # thread for the whole session; the fits' own one-thread blocks then
    # restore one thread, not two.
    torch.set_num_threads(1)
