"""Test-session settings."""

import os
import subprocess
import warnings

import pytest
import torch

# Some tests call POT on torch tensors to check skdc against it.  POT tries
# its JAX backend first, and where JAX has a CUDA build its first GPU array
# reserves 75% of the GPU, so one xdist worker starved the others (seen on
# an H200).  skdc itself hands POT NumPy only (discrepancy/_transport.py).
os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")

# Per-test peak of torch's GPU allocator, read only where CUDA is visible:
# with device="auto" the whole suite runs on a GPU there, and a test that
# holds far more than its tiny data needs shows up in the summary.
_GPU_PEAKS = {}


def pytest_configure(config):
    # All test data is tiny, and on a busy 2-core machine torch's thread pools
    # turn small ops 40-300x slower once a second thread is in play (measured:
    # exp and logsumexp after set_num_threads(2), matmul before it).  One
    # thread for the whole session; the fits' own one-thread blocks then
    # restore one thread, not two.
    torch.set_num_threads(1)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    gpu = torch.cuda.is_available()
    if gpu:
        torch.cuda.reset_peak_memory_stats()
    yield
    if gpu:
        # user_properties travel with the report, so xdist's workers' peaks
        # reach the controlling process too.
        item.user_properties.append(("gpu_peak", torch.cuda.max_memory_allocated()))


def pytest_runtest_logreport(report):
    for key, value in report.user_properties:
        if key == "gpu_peak":
            _GPU_PEAKS[report.nodeid] = value


def pytest_terminal_summary(terminalreporter):
    if not _GPU_PEAKS:
        return
    terminalreporter.section("largest GPU peaks (torch allocator)")
    for nodeid, peak in sorted(_GPU_PEAKS.items(), key=lambda kv: -kv[1])[:10]:
        terminalreporter.write_line(f"{peak / 2**20:10.1f} MiB  {nodeid}")


@pytest.fixture
def run_skdc(capsys):
    """Run the ``skdc`` command in this interpreter, as the shell would see
    it: a ``subprocess.CompletedProcess`` with the exit status, stdout and
    stderr.  A fresh interpreter spends seconds importing PyTorch per call;
    ``test_cli.py`` starts one where the start itself is under test.  A
    warning the command lets escape, which a user would see as an extra
    line on stderr, is raised here instead."""
    from skdc._cli import main

    def run(*args):
        capsys.readouterr()  # what came before is not this command's
        argv = [str(a) for a in args]
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                status = main(argv)
            except SystemExit as exc:  # argparse's usage errors and --help
                status = exc.code
        out, err = capsys.readouterr()
        return subprocess.CompletedProcess(argv, status, out, err)

    return run
