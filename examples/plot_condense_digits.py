"""
=============================================
Condense digits to ten synthetic rows a class
=============================================

Condense scikit-learn's digits with :class:`skdc.MMDCondenser`, train a
logistic regression on the 100 synthetic rows, and compare it with the same
model trained on a random subset, on k-means centroids and on all the data.
"""

# %%
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

from skdc import MMDCondenser
from skdc.selection import KMeansCentroids, RandomSubset

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.3, stratify=y, random_state=0
)
scaler = StandardScaler().fit(X_train)
X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)

# %%
# Every reducer has the same interface: ``fit_resample`` returns the small set.
reducers = {
    "random subset": RandomSubset(size=100, allocation="balanced", random_state=0),
    "k-means centroids": KMeansCentroids(
        size=100, allocation="balanced", random_state=0
    ),
    "MMD condenser": MMDCondenser(size=100, allocation="balanced", random_state=0),
}
for name, reducer in reducers.items():
    X_small, y_small = reducer.fit_resample(X_train, y_train)
    model = LogisticRegression(max_iter=1000).fit(X_small, y_small)
    print(f"{name:18s} {len(X_small)} rows  accuracy {model.score(X_test, y_test):.3f}")

full = LogisticRegression(max_iter=1000).fit(X_train, y_train)
print(
    f"{'full data':18s} {len(X_train)} rows accuracy {full.score(X_test, y_test):.3f}"
)

# %%
# The synthetic digits, one row per class, drawn as images.
import matplotlib.pyplot as plt  # noqa: E402

X_small, y_small = reducers["MMD condenser"].fit_resample(X_train, y_train)
images = scaler.inverse_transform(X_small).reshape(-1, 8, 8)
first = [np.flatnonzero(y_small == k)[0] for k in range(10)]
fig, axes = plt.subplots(1, 10, figsize=(10, 1.4))
for ax, i in zip(axes, first):
    ax.imshow(images[i], cmap="gray_r")
    ax.set_title(str(y_small[i]))
    ax.axis("off")
plt.show()
