"""Vectorised parsing of FER2013 pixel strings ("70 80 82 ...")."""

import numpy as np

from .._constants import N_PIXELS

_SPACE = np.frombuffer(b" \t\r", dtype=np.uint8)
_NEWLINE = ord("\n")


def _bad_row_error(source, row, message):
    # +2: rows are 0-based data rows, files have a header line and 1-based lines.
    return ValueError(f"{source}: row {row} (line {row + 2}): {message}")


def parse_pixel_strings(pixel_strings, *, source="<pixels>", n_pixels=N_PIXELS):
    """Parse space-separated pixel strings into a uint8 array, without a per-row loop.

    Parameters
    ----------
    pixel_strings : sequence of str
        One string of ``n_pixels`` integers in 0-255 per row.
    source : str
        Name used in error messages (usually the file path).
    n_pixels : int
        Number of pixels expected per row.

    Returns
    -------
    pixels : ndarray of shape (n_rows, n_pixels), dtype uint8

    Raises
    ------
    ValueError
        Naming the first bad row and what was expected.
    """
    pixels, bad = find_bad_pixel_rows(pixel_strings, source=source, n_pixels=n_pixels)
    if bad:
        row, message = bad[0]
        raise _bad_row_error(source, row, message)
    return pixels


def find_bad_pixel_rows(pixel_strings, *, source="<pixels>", n_pixels=N_PIXELS):
    """Parse pixel strings, returning the good rows and a list of ``(row, problem)``.

    The good rows array has one row per input row; rows listed as bad are filled
    with zeros and must be dropped (or reported) by the caller.
    """
    n_rows = len(pixel_strings)
    if n_rows == 0:
        return np.zeros((0, n_pixels), dtype=np.uint8), []
    text = "\n".join(pixel_strings).encode("ascii", errors="replace")
    buffer = np.frombuffer(text, dtype=np.uint8)
    line_of_byte = np.cumsum(buffer == _NEWLINE)
    is_digit = (buffer >= ord("0")) & (buffer <= ord("9"))
    is_space = np.isin(buffer, _SPACE)
    problems = {}

    invalid = ~(is_digit | is_space | (buffer == _NEWLINE))
    for row in np.unique(line_of_byte[invalid]):
        first = np.flatnonzero(invalid & (line_of_byte == row))[0]
        char = chr(buffer[first]) if buffer[first] < 128 else "?"
        problems[int(row)] = f"pixel values must be integers 0-255 separated by spaces, found {char!r}"

    starts = is_digit & np.concatenate(([True], ~is_digit[:-1]))
    counts = np.bincount(line_of_byte[starts], minlength=n_rows)
    for row in np.flatnonzero(counts != n_pixels):
        problems.setdefault(int(row), f"expected {n_pixels} pixel values, found {counts[row]}")

    token_id = np.cumsum(starts) - 1
    digit_pos = np.flatnonzero(is_digit)
    token_of_digit = token_id[digit_pos]
    values = _token_values(buffer[digit_pos] - ord("0"), token_of_digit, int(starts.sum()))
    token_row = line_of_byte[starts]
    too_big = values > 255
    for row in np.unique(token_row[too_big]):
        problems.setdefault(int(row), f"pixel value {values[too_big & (token_row == row)][0]} outside 0-255")

    pixels = np.zeros((n_rows, n_pixels), dtype=np.uint8)
    good = np.ones(n_rows, dtype=bool)
    good[list(problems)] = False
    good_tokens = good[token_row]
    pixels[good] = values[good_tokens].astype(np.uint8).reshape(-1, n_pixels)
    return pixels, sorted(problems.items())


def _token_values(digits, token_of_digit, n_tokens):
    """Integer value of each token from its digits (most significant first)."""
    # Position of each digit counted from the end of its token gives its power of ten.
    is_last = np.concatenate((token_of_digit[1:] != token_of_digit[:-1], [True]))
    end_index = np.flatnonzero(is_last)
    token_len = np.diff(np.concatenate(([-1], end_index)))
    position_from_end = np.repeat(end_index, token_len) - np.arange(len(digits))
    # Long tokens cannot be valid pixels; cap their power so the sum cannot overflow.
    power = np.minimum(position_from_end, 6)
    weighted = digits.astype(np.int64) * 10 ** power
    return np.bincount(token_of_digit, weights=weighted, minlength=n_tokens).astype(np.int64)
