"""Parameter and attribute text shared by the condensers' docstrings."""

_COMMON_PARAMETERS = """\
size : int or float, default=100
        Synthetic rows in total (int), or a fraction of the training rows
        (float in (0, 1)).
    allocation : {"proportional", "balanced"} or dict, default="proportional"
        Rows per class: proportional to the class frequencies, equal shares,
        or an explicit ``{class: count}``.  Every class gets at least one
        row; asking a class for more rows than it has raises ``ValueError``.
    preprocessor : "auto", "standard", "quantile" or None, default="auto"
        "standard": a DataFrame with categorical, string, object or boolean
        columns is encoded (standardised numbers, one-hot categories),
        condensed, and decoded back to valid rows with the same columns and
        dtypes (see ``X_``); numbers alone are condensed as they are.
        "auto": the same, and long-tailed numeric columns (amounts, counts:
        the middle half of the rows within half a standard deviation, a
        skewness above 2 in size, at least 20 distinct values, no value in
        90% of the rows), whose bulk standardising squeezes, are first
        mapped by a Yeo-Johnson power and decoded back through it, arrays
        too; and in an encoded table, numeric columns that copy each other
        (correlation 0.99 or more in size: a charge that is minutes times a
        rate) weigh as one column.
        "quantile": every number of any X is mapped to normal scores
        through its quantiles, so distances count ranks, not units; copies
        weigh as one.  None: X must be numeric.
    missing : {"error", "impute"}, default="error"
        Missing values raise a ``ValueError`` naming their columns, or are
        imputed (median for numbers, most frequent value for categories);
        the synthetic set never holds missing values.
    init : {<auto>"random_real", "kmeans++", "kmeans", "noise"}, default="<init>"
        Starting points: random real rows of the class, k-means++ seeds,
        k-means centroids (of at most 32,768 rows of the class, drawn by
        weight), or Gaussian noise with the class's mean and spread.<note>
    weights : {"uniform", "learned"}, default="uniform"
        Equal weights for the synthetic rows, or weights learned jointly with
        the rows (softmax-parametrised, so positive); learned weights are
        exposed as ``sample_weight_`` and passed on by
        :class:`~skdc.CondensedEstimator`.
    max_iter : int, default=500
        Optimisation steps per class.
    tol : float, default=1e-3
        The step size halves whenever the mean loss over 10 steps improves on
        the best so far by less than ``tol`` times the larger of that best
        and the progress made since the first 10 steps (so a loss that falls
        towards zero, as an MMD does, is judged on its progress); after four
        such windows in a row the loss counts as settled.  A
        ``ConvergenceWarning`` is raised when ``max_iter`` comes first.
    learning_rate : float, default=0.05
        Adam step size in units of each feature's standard deviation within
        the class, so it does not depend on the scale of the data.
    batch_size : "auto", int or None, default="auto"
        Real rows per step.  ``"auto"`` uses whole classes up to 2048 rows
        (4096 for :class:`~skdc.WassersteinCondenser`) and minibatches of 2048
        above (its semi-relaxed method also uses whole classes of up to 32
        rows per synthetic row); None always uses whole classes.  On
        minibatches of fewer than 32 real rows per synthetic row, semi-relaxed
        W2's Newton steps average the minibatches' barycentres.
    device : {"auto", "cpu", "cuda"}, default="auto"
        Where the optimisation runs; ``"auto"`` picks CUDA when available.
    n_jobs : int, default=None
        Classes condensed in parallel (joblib; threads by default, any joblib
        backend through ``joblib.parallel_backend``).
    random_state : int, RandomState instance or None, default=None
        Seeds initialisation and minibatches; an int gives identical output
        on every run.
    verbose : int, default=0
        Above 0, a progress bar per class."""


def common_parameters(auto_init=None):
    """The shared parameters' text; ``auto_init``, a condenser's meaning of
    its default ``init="auto"``, if it has one."""
    if auto_init is None:
        return (
            _COMMON_PARAMETERS.replace("<auto>", "")
            .replace("<init>", "random_real")
            .replace("<note>", "")
        )
    return (
        _COMMON_PARAMETERS.replace("<auto>", '"auto", ')
        .replace("<init>", "auto")
        .replace("<note>", "\n        " + auto_init)
    )


COMMON_PARAMETERS = common_parameters()

ATOMS_PARAMETER = """\
match_atoms : "auto" or bool, default="auto"
        After the fit, move a synthetic value onto the data's value at its
        rank when many real rows of its class share that value (at least a
        synthetic row's share of the class: zero, a whole count, a round
        amount); other values stay as fitted.  Averaged rows put such
        columns where no real row lies (0.3 visits), and a random forest
        trained on them splits in gaps the test rows never fall in.
        ``"auto"`` does it for classes of at least 20 synthetic rows in a
        set whose classes have as many rows each: below that, each row
        stands for many real ones and its averages help linear models and
        1-NN more than the values help forests, and in an uneven set (the
        default proportional allocation on imbalanced classes) the larger
        classes, spread back to their full range, take the overlap from the
        smaller ones.  Then,
        at every size unless ``False``, each value of a column in which
        values repeat moves to the nearest value its class holds (an
        average of 0 and 25 messages at 2 goes to 0); continuous columns
        and columns of two values (0/1 answers, whose averages are shares)
        keep their fitted values, but for float residue within 1% of
        either value.  In regression, where the set is one group and each
        row carries its rows' average target, columns of two values are
        not put on atoms either: the row's target fits its shares, not the
        0 or 1 its rank would give.  And in a set of one group (regression,
        or no y) a column keeps its fitted values where the two steps would
        put every row on one value though the fitted values spread over a
        tenth of the data's standard deviation or more: a column constant
        in the set teaches a model nothing, and a scaler fitted on the set
        passes test rows' raw values through.  Numeric columns only:
        categories are decoded on their own.  See the Notes of
        :class:`~skdc.WassersteinCondenser`."""

FEATURE_MAP_PARAMETER = """\
feature_map : "random_network", torch.nn.Module, callable or fitted \
transformer, default=None
        Measure the discrepancy on features phi(x) instead of the raw rows
        (the synthetic rows stay in input space): a random ReLU network
        redrawn at every step, a fixed torch module or function, or a fitted
        PCA / StandardScaler / Nystroem(kernel="rbf")
        (see :class:`skdc.discrepancy.FeatureMapped`).
        ``MMDCondenser(feature_map="random_network")`` is M3D's objective on
        random-network embeddings."""

COMMON_ATTRIBUTES = """\
X_ : ndarray or DataFrame of shape (size, n_features)
        The synthetic rows, in the dtype of the input (float32 stays float32);
        for an encoded mixed-type table, the decoded DataFrame (valid
        categories, whole integers, numbers inside the observed range).
    y_ : ndarray of shape (size,) or None
        Their labels (classification, grouped by class in the order of
        ``classes_``), learned targets (regression), or None.
    sample_weight_ : ndarray of shape (size,) or None
        Learned weights (``weights="learned"``), with mean 1 and each class
        keeping its share of the data's weight; None for equal weights.
    classes_ : ndarray of shape (n_classes,)
        Class labels (classification only).
    target_type_ : {"classification", "regression", "unsupervised"}
    preprocessor_ : object or None
        The fitted encoder of a mixed-type table, the median imputer of
        numeric data with ``missing="impute"``, or None; ``score`` encodes
        its X with it.
    allocation_ : dict
        Rows per class (key None without classes).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Defined when X has string column names.
    n_iter_ : ndarray of shape (n_groups,)
        Steps run per class.
    history_ : list of ndarray
        Loss at every step, one array per class.
    discrepancy_ : float
        Final discrepancy to the training data, averaged over classes by
        weight (estimated on at most 4096 rows per class)."""
