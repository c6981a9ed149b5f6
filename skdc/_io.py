"""Tables on disk for the command line: read by extension, write atomically."""

import os
import tempfile
from pathlib import Path

# Suffix (before any .gz) -> (pandas reader name, keyword arguments).
_READERS = {
    ".csv": ("read_csv", {}),
    ".tsv": ("read_csv", {"sep": "\t"}),
    ".parquet": ("read_parquet", {}),
}


def table_format(path):
    """The format of ``path`` from its extension (".csv", ".tsv", ".parquet");
    raises ValueError for any other."""
    suffixes = [s.lower() for s in Path(path).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    kind = suffixes[-1] if suffixes else ""
    if kind not in _READERS:
        raise ValueError(
            f"{path}: unknown table format {kind or '(no extension)'!r}; use "
            f"{', '.join(sorted(_READERS))} (optionally gzip-compressed, .gz)."
        )
    return kind


def read_table(path):
    """A DataFrame from a .csv, .tsv or .parquet file (``.gz`` allowed for
    text formats; pandas infers the compression)."""
    import pandas as pd

    kind = table_format(path)
    if not Path(path).is_file():
        raise FileNotFoundError(f"{path}: no such file.")
    reader, kwargs = _READERS[kind]
    try:
        return getattr(pd, reader)(path, **kwargs)
    except ImportError as exc:  # parquet without pyarrow
        raise ValueError(f"{path}: cannot read {kind} files here ({exc}).") from None
    except Exception as exc:
        raise ValueError(f"{path}: unreadable {kind} table ({exc}).") from None


def write_table(frame, path):
    """Write ``frame`` to ``path`` atomically: to a temporary file in the same
    folder, then renamed over ``path``, so a failure never leaves a partial
    file and never touches an existing one."""
    kind = table_format(path)
    folder = Path(path).resolve().parent
    handle, tmp = tempfile.mkstemp(prefix=".skdc-", suffix=".part", dir=folder)
    os.close(handle)
    try:
        compression = "gzip" if str(path).lower().endswith(".gz") else None
        if kind == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            sep = "\t" if kind == ".tsv" else ","
            frame.to_csv(tmp, sep=sep, index=False, compression=compression)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
