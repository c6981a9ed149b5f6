"""Every condenser on a GPU and on the CPU, side by side.

Each method condenses the same training rows twice, with ``device="cuda"``
and ``device="cpu"``, in one process; the table gives both fit times (wall
seconds, the first CUDA fit including CUDA's start-up) and the mean test
score of LogisticRegression, 1-NN, RandomForest and an MLP trained on each
set, so a GPU fit can be checked against the CPU's (float32 on either
device; the two runs take different reduction orders, so their sets agree in
quality, not to the last digit).

Data: standardised digits at 10 rows per class (accuracy), and the quality
suite's mixed-type table (``skdc._evaluation.mixed_table``, 20,000 rows, a
1:3 binary target) passed as a DataFrame at 10 rows per class (balanced
accuracy), so the table encoder's path (levels, tail map, copy weights) runs
on the GPU too.  AutoCondenser has no device of its own: its candidates are
set to the device.

    python benchmarks/devices.py [--per-class 10] [--skip-mixed] [--skip-auto]
        [--devices cuda cpu] [--methods NAME ...]

With "cuda" among ``--devices`` (the default) it needs a CUDA device and
exits with status 2 without one; ``--devices cpu`` checks the script
anywhere.
"""

import argparse
import sys
import time
import warnings

import numpy as np
import torch
from quality import mixed, models  # benchmarks/quality.py, beside this script
from sklearn.metrics import get_scorer

from skdc import (
    AutoCondenser,
    DistributionMatchingCondenser,
    GradientMatchingCondenser,
    KIPCondenser,
    MMDCondenser,
    PrivateMMDCondenser,
    WassersteinCondenser,
)
from skdc._evaluation import digits_split, format_table, model_for
from skdc.auto import default_candidates


def condensers(size, device, image_shape=None):
    """name -> condenser on ``device``; DM's ConvNet only for images."""
    common = {"size": size, "allocation": "balanced", "random_state": 0}
    common["device"] = device
    chosen = {
        "MMD": MMDCondenser(**common),
        "MMD rff": MMDCondenser(features="rff", **common),
        "W2 (default)": WassersteinCondenser(**common),
        "W2 exact": WassersteinCondenser(method="exact", **common),
        "W sliced": WassersteinCondenser(method="sliced", **common),
        "DM": DistributionMatchingCondenser(**common),
        "KIP": KIPCondenser(**common),
        "Gradient matching": GradientMatchingCondenser(**common),
        "Private (eps=1)": PrivateMMDCondenser(epsilon=1.0, **common),
    }
    if image_shape is not None:
        chosen["DM ConvNet"] = DistributionMatchingCondenser(
            image_shape=image_shape, **common
        )
    return chosen


def auto(size, device):
    """AutoCondenser with every candidate on ``device``."""
    candidates = default_candidates()
    for condenser in candidates.values():
        if "device" in condenser.get_params(deep=False):
            condenser.set_params(device=device)
    return AutoCondenser(
        candidates=candidates, size=size, allocation="balanced", random_state=0
    )


def fit_and_score(condenser, split, scoring):
    """(fit seconds, mean score over the four models) of one condenser."""
    start = time.perf_counter()
    X_s, y_s = condenser.fit_resample(split.X_train, split.y_train)
    if torch.cuda.is_available():
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    scorer = get_scorer(scoring)
    scores = [
        scorer(model_for(m, X_s).fit(X_s, y_s), split.X_test, split.y_test)
        for m in models().values()
    ]
    return seconds, float(np.mean(scores))


def compare(label, build, devices, split, scoring, methods=None):
    """One row per method: every device's fit time and score."""
    rows, built = [], {device: build(device) for device in devices}
    for name in built[devices[0]]:
        if methods is not None and name not in methods:
            continue
        row = {"data": label, "method": name}
        for device in devices:
            seconds, score = fit_and_score(built[device][name], split, scoring)
            row[f"{device}_s"], row[f"{device}_score"] = seconds, score
        rows.append(row)
        measured = ", ".join(
            f"{d} {row[f'{d}_s']:.1f} s {row[f'{d}_score']:.3f}" for d in devices
        )
        print(f"  {label} {name}: {measured}", flush=True)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-class", type=int, default=10)
    parser.add_argument("--skip-mixed", action="store_true")
    parser.add_argument("--skip-auto", action="store_true")
    # --devices cpu runs the script without a GPU (a check of the script).
    parser.add_argument("--devices", nargs="+", default=["cuda", "cpu"])
    # Only these rows (names as in the table), to fit a short GPU loan.
    parser.add_argument("--methods", nargs="+", default=None)
    args = parser.parse_args(argv)
    known = [*condensers(10, "cpu", image_shape=(8, 8)), "AutoCondenser"]
    unknown = sorted(set(args.methods or ()) - set(known))
    if unknown:
        parser.error(f"unknown --methods {unknown}; choose from {known}")
    devices = list(dict.fromkeys(args.devices))
    if "cuda" in devices and not torch.cuda.is_available():
        print("benchmarks/devices.py needs a CUDA device; none is visible.")
        return 2
    warnings.simplefilter("ignore")  # convergence notes would drown the table
    gpu = torch.cuda.get_device_name() if "cuda" in devices else "no GPU"
    print(f"{gpu}, torch {torch.__version__}")

    split = digits_split(test_size=0.3, random_state=0)
    size = args.per_class * len(np.unique(split.y_train))

    def digit_condensers(device):
        chosen = condensers(size, device, image_shape=(8, 8))
        if not args.skip_auto:
            chosen["AutoCondenser"] = auto(size, device)
        return chosen

    rows = compare("digits", digit_condensers, devices, split, "accuracy", args.methods)

    if not args.skip_mixed:
        table = mixed([0.75, 0.25])(20_000)  # the quality suite's "mixed"

        def table_condensers(device):
            # The digits rows' settings; only the two defaults (no images).
            every = condensers(2 * args.per_class, device)
            chosen = {name: every[name] for name in ("MMD", "W2 (default)")}
            if not args.skip_auto:
                chosen["AutoCondenser"] = auto(2 * args.per_class, device)
            return chosen

        rows += compare(
            "mixed", table_condensers, devices, table, "balanced_accuracy", args.methods
        )

    columns = {"data": "data", "method": "method"}
    formats = {}
    for device in devices:
        columns[f"{device}_s"], formats[f"{device}_s"] = f"{device} s", ".1f"
    for device in devices:
        columns[f"{device}_score"] = f"{device} score"
        formats[f"{device}_score"] = ".3f"
    print()
    print(format_table(rows, columns, formats=formats, markdown=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
