"""The fast path for clean FER2013 CSVs: whole blocks of bytes parsed with NumPy, no per-row work.

``read_clean_csv`` parses the file block by block (memory stays bounded whatever its size) and
returns ``None`` at the first thing it does not expect (a bad label, token, count or usage, quoting
it does not know, blank lines, ...); the caller then reads the file with the detailed parser, which
names the row, line and problem. So clean files are fast and bad files get the same messages.
"""

import numpy as np

from .._constants import N_PIXELS, USAGES

# Small blocks keep every temporary array under the allocator's reuse threshold: no fresh pages (page faults) per block.
_BLOCK_BYTES = 2 << 20
_NEWLINE, _COMMA, _QUOTE, _SPACE, _ZERO = 10, 44, 34, 32, 48
_USAGE_BYTES = {len(name): np.frombuffer(name.encode(), np.uint8) for name in USAGES}  # the three differ in length


def _blocks(file, block_bytes):
    """Blocks of whole lines (each ends in a newline, except perhaps the file's last)."""
    rest = b""
    while True:
        data = file.read(block_bytes)
        if not data:
            if rest:
                yield rest
            return
        data = rest + data
        end = data.rfind(b"\n") + 1
        if end == 0:
            rest = data
            continue
        rest = data[end:]
        yield data[:end]


def _per_row(positions, row_starts, row_ends):
    """How many of the sorted ``positions`` fall in each row ``[start, end)``."""
    return np.searchsorted(positions, row_ends) - np.searchsorted(positions, row_starts)


def _usage_of_rows(buf, starts, ends):
    """Each row's usage (index into USAGES) from its bytes, or None if one is not an exact usage name."""
    lengths = ends - starts
    usage = np.full(len(starts), -1, dtype=np.int8)
    for length, name in _USAGE_BYTES.items():
        rows = np.flatnonzero(lengths == length)
        if len(rows) and (buf[starts[rows, None] + np.arange(length)] == name).all():
            usage[rows] = USAGES.index(name.tobytes().decode())
    return None if (usage < 0).any() else usage


def _parse_block(block, has_usage):
    """``(labels, pixels, usage index)`` of a block of clean rows, or None."""
    buf = np.frombuffer(block, dtype=np.uint8)
    if buf[-1] != _NEWLINE:
        buf = np.append(buf, np.uint8(_NEWLINE))
    row_ends = np.flatnonzero(buf == _NEWLINE)
    row_starts = np.concatenate(([0], row_ends[:-1] + 1))
    if (row_ends > row_starts).sum() != len(row_ends) or (buf[row_ends - 1] == ord("\r")).any():
        return None  # blank lines or CRLF: the detailed parser
    n_fields = 3 if has_usage else 2
    commas = np.flatnonzero(buf == _COMMA)
    if len(commas) != (n_fields - 1) * len(row_starts) or (_per_row(commas, row_starts, row_ends) != n_fields - 1).any():
        return None
    commas = commas.reshape(len(row_starts), n_fields - 1)
    label_digit = buf[row_starts] - np.uint8(_ZERO)
    if (commas[:, 0] != row_starts + 1).any() or (label_digit > 6).any():
        return None  # a label must be one digit 0-6
    pixel_start, pixel_end = commas[:, 0] + 1, (commas[:, 1] if has_usage else row_ends)
    quoted = buf[pixel_start] == _QUOTE
    if (buf[pixel_end - 1][quoted] != _QUOTE).any():
        return None
    pixel_start, pixel_end = pixel_start + quoted, pixel_end - quoted
    usage = _usage_of_rows(buf, commas[:, 1] + 1, row_ends) if has_usage else None
    if has_usage and usage is None:
        return None

    # Clean pixel fields hold N_PIXELS values separated by single spaces: each value ends just before a
    # space or the field's end, and the gaps between those ends give each value's number of digits.
    spaces = np.flatnonzero(buf == _SPACE)
    n_rows = len(row_starts)
    if len(spaces) != (N_PIXELS - 1) * n_rows or (_per_row(spaces, pixel_start, pixel_end) != N_PIXELS - 1).any():
        return None
    spaces = spaces.reshape(n_rows, N_PIXELS - 1)
    n_digits = np.empty((n_rows, N_PIXELS), dtype=np.int32)
    n_digits[:, 0] = spaces[:, 0] - pixel_start
    np.subtract(spaces[:, 1:], spaces[:, :-1], out=n_digits[:, 1:-1], casting="same_kind")
    n_digits[:, 1:-1] -= 1
    n_digits[:, -1] = pixel_end - spaces[:, -1] - 1
    if n_digits.min() < 1 or n_digits.max() > 3:
        return None  # an empty value (two spaces) or more than three digits: the detailed parser says which
    value = np.zeros((n_rows, N_PIXELS), dtype=np.int16)
    for place, scale in enumerate((1, 10, 100), start=1):  # the last digit, the one before, the one before that
        present = n_digits >= place
        byte = np.empty((n_rows, N_PIXELS), dtype=np.uint8)
        byte[:, :-1] = buf[spaces - place]
        byte[:, -1] = buf[pixel_end - place]
        digit = byte - np.uint8(_ZERO)
        if ((digit > 9) & present).any():
            return None  # a byte of a value that is not a digit
        value += scale * (digit * present).astype(np.int16)
    if value.max() > 255:
        return None
    return label_digit.astype(np.int8), value.astype(np.uint8).reshape(-1, N_PIXELS), usage


def read_clean_csv(source, *, has_usage, fixed_usage=None, progress=False, block_bytes=_BLOCK_BYTES):
    """Parse a clean FER2013 CSV (``emotion,pixels[,Usage]``, in that order) fast; ``None`` if it is not clean.

    Parameters
    ----------
    source : path
    has_usage : bool
        Whether the file has the Usage column (third).
    fixed_usage : str, optional
        The usage of every row of a per-split file.
    progress : bool
        A progress bar over the file's bytes.

    Returns
    -------
    arrays : dict or None
        ``images``, ``target``, ``usage``, ``filenames`` as the loaders return them.
    """
    from tqdm.auto import tqdm

    labels, pixels, usages = [], [], []
    with open(source, "rb") as file, tqdm(
        total=source.stat().st_size, desc=f"Parsing {source.name}", unit="B", unit_scale=True, disable=not progress
    ) as bar:
        header = file.readline()
        bar.update(len(header))
        for block in _blocks(file, block_bytes):
            parsed = _parse_block(block, has_usage)
            if parsed is None:
                return None
            labels.append(parsed[0])
            pixels.append(parsed[1])
            usages.append(parsed[2])
            bar.update(len(block))
    if not labels:
        return None  # a header without rows: the detailed parser says so
    n_rows = sum(map(len, labels))
    usage = np.asarray(USAGES, dtype="U11")[np.concatenate(usages)] if has_usage else np.full(n_rows, fixed_usage, dtype="U11")
    return {
        "skipped": np.array([], dtype=str),
        "images": np.concatenate(pixels).reshape(n_rows, 48, 48),
        "target": np.concatenate(labels),
        "usage": usage,
        "filenames": np.array([], dtype="U1"),
    }
