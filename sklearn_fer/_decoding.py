"""Image files to 48x48 grayscale arrays, in this process or spread over worker processes.

The workers are fresh interpreters running :func:`serve` (``python -c``), not
``multiprocessing`` children: they never re-import the user's script (a script
without an ``if __name__ == "__main__"`` guard stays safe) and are never forked
from a process that may hold TensorFlow's threads. This module imports only
NumPy, so a worker starts in a fraction of a second.
"""

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from ._constants import IMAGE_SHAPE

# Fewer files than this per worker decode faster in this process than a worker starts.
MIN_FILES_PER_WORKER = 4096
_WORKER_CODE = "from sklearn_fer._decoding import serve; serve()"


def read_image(file, resize):
    """Grayscale uint8 48x48 image and ``None``, or ``None`` and what is wrong with the file.

    A 48x48 grayscale JPEG (every FER2013 image) is decoded by libjpeg-turbo through
    simplejpeg, without PIL's per-image overhead, to the same pixels PIL gives; any
    other image goes through PIL (``resize``: other sizes are resized, else refused).
    """
    try:
        with open(file, "rb") as stream:
            data = stream.read()
    except OSError as error:
        return None, f"unreadable image ({error.__class__.__name__}: {error})"
    image = decode_gray_jpeg(data)
    return (image, None) if image is not None else _read_with_pil(data, resize)


def decode_gray_jpeg(data):
    """The pixels of a 48x48 grayscale JPEG, or None for anything else."""
    if data[:2] != b"\xff\xd8":
        return None
    import simplejpeg

    try:
        height, width, colorspace, _ = simplejpeg.decode_jpeg_header(data)
        if colorspace != "Gray" or (height, width) != IMAGE_SHAPE:
            return None
        return simplejpeg.decode_jpeg(data, colorspace="GRAY")[..., 0]
    except ValueError:  # damaged: PIL names the problem
        return None


def _read_with_pil(data, resize):
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            gray = image.convert("L")
            if gray.size != IMAGE_SHAPE[::-1]:
                if not resize:
                    return None, f"image is {gray.size[0]}x{gray.size[1]}, expected 48x48 (pass resize=True to resize)"
                gray = gray.resize(IMAGE_SHAPE[::-1], Image.Resampling.BILINEAR)
            return np.asarray(gray, dtype=np.uint8), None
    except (UnidentifiedImageError, OSError) as error:
        return None, f"unreadable image ({error.__class__.__name__}: {error})"


def decode_files(files, resize):
    """Decode ``files`` here.

    Returns
    -------
    images : ndarray of shape (n, 48, 48), uint8
        Zeros where a file could not be read.
    problems : ndarray of shape (n,), str
        What is wrong with each file; ``""`` for the good ones.
    """
    images = np.zeros((len(files), *IMAGE_SHAPE), dtype=np.uint8)
    problems = [""] * len(files)
    for index, file in enumerate(files):
        image, problem = read_image(file, resize)
        if problem is None:
            images[index] = image
        else:
            problems[index] = problem
    return images, np.array(problems, dtype=str)


def worker_count(n_files, n_jobs=None):
    """How many worker processes pay for ``n_files`` files (1: decode in this process)."""
    wanted = n_jobs if n_jobs and n_jobs > 0 else os.cpu_count() or 1
    return max(1, min(wanted, n_files // MIN_FILES_PER_WORKER))


def decode_in_workers(files, resize, n_workers, on_chunk_done=None):
    """:func:`decode_files` over ``n_workers`` worker processes, each given a contiguous chunk.

    The file names go to the workers in one shared list file and the workers write their pixels
    straight into one shared pixel file (both memory-backed where the system has ``/dev/shm``), which
    is read back in one copy; only the problems travel through a pipe. ``on_chunk_done(n)`` is called
    as each chunk of ``n`` files comes back (progress bars). A worker that dies raises
    ``RuntimeError`` with its error output.
    """
    chunks = [chunk for chunk in np.array_split(np.arange(len(files)), n_workers) if len(chunk)]
    list_file, pixels_file = _scratch_file("names"), _scratch_file("pixels")
    try:
        with open(list_file, "wb") as names:
            names.write(b"\0".join(os.fsencode(file) for file in files))
        os.truncate(pixels_file, len(files) * _PIXELS)
        workers = [_start_worker(list_file, pixels_file, int(chunk[0]), len(chunk), resize) for chunk in chunks]
        problems = []
        try:
            for worker, chunk in zip(workers, chunks):
                problems.append(_collect(worker))
                if on_chunk_done is not None:
                    on_chunk_done(len(chunk))
        finally:
            for worker in workers:
                if worker.poll() is None:
                    worker.kill()
                worker.wait()
                worker.stdout.close()
                worker.error_output.close()
        images = np.fromfile(pixels_file, dtype=np.uint8).reshape(len(files), *IMAGE_SHAPE)
    finally:
        os.unlink(list_file)
        os.unlink(pixels_file)
    return images, np.concatenate(problems)


_PIXELS = IMAGE_SHAPE[0] * IMAGE_SHAPE[1]


def _scratch_folder():
    """Where the shared files go: memory-backed ``/dev/shm`` where there is one, else the temporary folder."""
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


def _scratch_file(kind):
    descriptor, path = tempfile.mkstemp(dir=_scratch_folder(), prefix=f"sklearn-fer-{kind}-")
    os.close(descriptor)
    return path


def _start_worker(list_file, pixels_file, first, count, resize):
    package_parent = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")]))}
    # Error output goes to a file: a pipe nobody reads until the end could fill and stall the worker.
    errors = tempfile.TemporaryFile()
    worker = subprocess.Popen(
        [sys.executable, "-c", _WORKER_CODE, list_file, pixels_file, str(first), str(count), "resize" if resize else "exact"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=errors, env=env,
    )
    worker.error_output = errors
    return worker


def _collect(worker):
    """The problems a worker reports once its pixels are written."""
    try:
        problems = np.lib.format.read_array(io.BytesIO(worker.stdout.read()), allow_pickle=False)
    except ValueError:  # the stream ended early: the worker failed
        worker.wait()
        worker.error_output.seek(0)
        details = worker.error_output.read().decode(errors="replace")
        raise RuntimeError(f"an image-decoding worker failed (exit code {worker.returncode}):\n{details}") from None
    return problems


def serve():
    """Worker process: decode ``count`` files from index ``first`` of the NUL-separated list file, write
    their pixels into the pixel file at that index, and the problems as ``.npy`` on stdout."""
    list_file, pixels_file, first, count, resize = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "resize"
    with open(list_file, "rb") as names:
        files = [os.fsdecode(name) for name in names.read().split(b"\0")[first : first + count]]
    images, problems = decode_files(files, resize)
    with open(pixels_file, "r+b") as pixels:
        pixels.seek(first * _PIXELS)
        pixels.write(images.tobytes())
    np.lib.format.write_array(sys.stdout.buffer, problems, allow_pickle=False)
    sys.stdout.buffer.flush()
