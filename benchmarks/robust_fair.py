"""Robust and fair condensation, as measured.

Table 1 (robustness): breast_cancer standardised on a stratified 70/30 split
(seeds 0 and 1, averaged), 20 synthetic rows.  Each set trains a
LogisticRegression and an MLPClassifier(32); the table gives their accuracy on
the test split under L2 perturbations of radius eps (exact attack for the
linear model, 20-step PGD for the MLP; eps=0 is clean accuracy).  Sets: plain
and adversarial MMD (``DiscrepancyCondenser(Adversarial(MMD(), eps))``), and
plain and adversarial kernel-ridge matching (``KIPCondenser(robust_epsilon=...)``,
which wraps its objective in ``Adversarial``).

Table 2 (fairness): make_classification (3000 rows, 8 features), a 10%
minority group whose informative features are shifted by +-1.5, the group not
a feature; 50/50 split stratified by (class, group), seeds 0-2 averaged, 40
synthetic rows.  A LogisticRegression trained on each set: test accuracy,
demographic-parity and equalized-odds differences between the groups.

    python benchmarks/robust_fair.py [--skip-robust] [--skip-fair]
"""

import argparse
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, make_classification
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

from skdc import DiscrepancyCondenser, FairCondenser, KIPCondenser, MMDCondenser
from skdc.discrepancy import MMD, Adversarial
from skdc.fairness import demographic_parity_difference, equalized_odds_difference
from skdc.robustness import robust_score
from skdc.selection import RandomSubset

EVAL_EPS = (0.0, 0.5, 1.0, 2.0)


def robust_sets(seed):
    common = {"size": 20, "max_iter": 300, "random_state": seed}
    return {
        "MMD": DiscrepancyCondenser(MMD(), **common),
        "Adversarial MMD eps=1": DiscrepancyCondenser(
            Adversarial(MMD(), 1.0), **common
        ),
        "KIP": KIPCondenser(**{**common, "max_iter": 200}),
        "Adversarial KIP eps=0.5": KIPCondenser(
            robust_epsilon=0.5, **{**common, "max_iter": 200}
        ),
        "Adversarial KIP eps=1": KIPCondenser(
            robust_epsilon=1.0, **{**common, "max_iter": 200}
        ),
    }


def robustness_table(seeds=(0, 1)):
    X, y = load_breast_cancer(return_X_y=True)
    rows = {}
    for seed in seeds:
        Xtr, Xte, ytr, yte = train_test_split(
            X, y, test_size=0.3, stratify=y, random_state=seed
        )
        scaler = StandardScaler().fit(Xtr)
        Xtr, Xte = scaler.transform(Xtr), scaler.transform(Xte)
        for name, condenser in robust_sets(seed).items():
            X_s, y_s = condenser.fit_resample(Xtr, ytr)
            linear = LogisticRegression().fit(X_s, y_s)
            mlp = MLPClassifier((32,), max_iter=1000, random_state=0).fit(X_s, y_s)
            scores = [robust_score(linear, Xte, yte, e) for e in EVAL_EPS] + [
                robust_score(mlp, Xte, yte, e) for e in EVAL_EPS
            ]
            rows.setdefault(name, []).append(scores)
    header = (
        ["set"] + [f"LR {e:g}" for e in EVAL_EPS] + [f"MLP {e:g}" for e in EVAL_EPS]
    )
    print("Robust accuracy (breast_cancer, 20 rows, L2 radius eps)")
    print(" | ".join(header))
    for name, values in rows.items():
        mean = np.mean(values, axis=0)
        print(" | ".join([name, *(f"{v:.3f}" for v in mean)]))


def _group_data(seed):
    X, y = make_classification(
        3000, 8, n_informative=5, n_redundant=0, random_state=seed
    )
    rng = np.random.RandomState(seed)
    group = (rng.rand(len(y)) < 0.1).astype(int)
    X[group == 1] += np.r_[rng.choice([-1.5, 1.5], 5), np.zeros(3)]
    return X, y, group


def fairness_table(seeds=(0, 1, 2)):
    rows = {}
    for seed in seeds:
        X, y, g = _group_data(seed)
        Xtr, Xte, ytr, yte, gtr, gte = train_test_split(
            X, y, g, test_size=0.5, stratify=2 * y + g, random_state=seed
        )
        scaler = StandardScaler().fit(Xtr)
        Xtr, Xte = scaler.transform(Xtr), scaler.transform(Xte)
        mmd = MMDCondenser(size=40, max_iter=300, random_state=seed)
        subset = RandomSubset(size=40, random_state=seed)
        sets = {
            "full data": (Xtr, ytr),
            "RandomSubset": subset.fit_resample(Xtr, ytr),
            "MMD": mmd.fit_resample(Xtr, ytr),
        }
        for split in ("equal", "proportional"):
            fair = FairCondenser(mmd, group_allocation=split)
            sets[f"group-balanced MMD ({split})"] = fair.fit_resample(
                Xtr, ytr, sensitive_features=gtr
            )
        sets["group-balanced RandomSubset (equal)"] = FairCondenser(
            subset
        ).fit_resample(Xtr, ytr, sensitive_features=gtr)
        for name, (X_s, y_s) in sets.items():
            pred = LogisticRegression().fit(X_s, y_s).predict(Xte)
            rows.setdefault(name, []).append(
                [
                    np.mean(pred == yte),
                    demographic_parity_difference(yte, pred, sensitive_features=gte),
                    equalized_odds_difference(yte, pred, sensitive_features=gte),
                ]
            )
    print("Fairness (10% minority group, 40 rows, LogisticRegression)")
    print("set | accuracy | DP difference | EO difference")
    for name, values in rows.items():
        mean = np.mean(values, axis=0)
        print(" | ".join([name, *(f"{v:.3f}" for v in mean)]))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-robust", action="store_true")
    parser.add_argument("--skip-fair", action="store_true")
    args = parser.parse_args()
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    if not args.skip_robust:
        robustness_table()
    if not args.skip_fair:
        fairness_table()
