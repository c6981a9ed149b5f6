"""Give results the container type of the input: pandas in, pandas out."""

import numpy as np


def wrap_like(X_in, y_in, X_out, y_out):
    """Return ``(X_out, y_out)`` as a DataFrame/Series when the inputs were.

    Integer columns are rounded and boolean columns thresholded at 0.5, so
    every column keeps its input dtype; condensers keep synthetic values
    inside the observed range, so the rounded values are valid too.  An
    ``X_out`` that is already a DataFrame (a decoded mixed-type table) is
    returned as a copy.
    """
    if hasattr(X_out, "columns"):
        X_out = X_out.copy()
    elif hasattr(X_in, "columns") and hasattr(X_in, "dtypes"):
        import pandas as pd

        frame = pd.DataFrame(X_out, columns=X_in.columns)
        for column, dtype in X_in.dtypes.items():
            # pandas' nullable dtypes (Int64, Float64, boolean) have a kind
            # too, and take whole floats and booleans through astype.
            kind = getattr(dtype, "kind", "O")
            values = frame[column].to_numpy()
            if kind == "b":
                frame[column] = pd.Series(values > 0.5).astype(dtype)
            elif kind in "iu":
                frame[column] = pd.Series(np.rint(values)).astype(dtype)
            elif kind == "f":
                frame[column] = frame[column].astype(dtype)
        X_out = frame
    if y_out is not None and hasattr(y_in, "name") and hasattr(y_in, "index"):
        import pandas as pd

        y_out = pd.Series(y_out, name=y_in.name)
        if y_in.dtype != object:
            y_out = y_out.astype(y_in.dtype)
    return X_out, y_out
