"""Feeding in-memory arrays to Keras's ``fit`` as a tf.data pipeline without autotuning.

Keras turns NumPy input into a tf.data pipeline with autotuning on. Now and then the
next epoch then waits, with the machine idle, while the old epoch's iterator is torn
down: a py-spy dump showed the main thread in tf.data's iterator destructor, waiting
for one of tf.data's own threads, for 10-30 s at a time. With autotuning off, no
such wait was seen (``benchmarks/RESULTS.md``, "Idle waits between epochs").
Gathering a batch from memory takes microseconds, so nothing here needs tuning.
"""


def array_dataset(arrays, batch_size, *, shuffle=False, seed=None):
    """Batches of in-memory arrays as a ``tf.data.Dataset`` with autotuning disabled.

    Parameters
    ----------
    arrays : tuple
        ``(X, y)`` or ``(X, y, sample_weight)``; ``y`` and ``sample_weight`` may be
        dicts of arrays (one per output). Every array has the same number of rows.
        A ``sample_weight`` of None is left out.
    batch_size : int
        Rows per batch; the last batch holds the remainder.
    shuffle : bool, default=False
        Visit the rows in a new random order at every epoch.
    seed : int or None, default=None
        Seed of the shuffling, so that a seeded fit sees the same orders again.

    Returns
    -------
    dataset : tf.data.Dataset
        Of ``ceil(n_rows / batch_size)`` batches with the structure of ``arrays``.
    """
    import tensorflow as tf

    tensors = tf.nest.map_structure(tf.convert_to_tensor, tuple(part for part in arrays if part is not None))
    n_rows = _common_length(tensors)
    indices = tf.data.Dataset.range(n_rows)
    if shuffle:
        indices = indices.shuffle(n_rows, seed=seed, reshuffle_each_iteration=True)
    dataset = indices.batch(batch_size).map(lambda rows: tf.nest.map_structure(lambda t: tf.gather(t, rows), tensors))
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.prefetch(1).with_options(options)


def _common_length(tensors):
    import tensorflow as tf

    lengths = {int(tensor.shape[0]) for tensor in tf.nest.flatten(tensors)}
    if len(lengths) != 1:
        raise ValueError(f"all arrays fed to the network need the same number of rows, got {sorted(lengths)}")
    return lengths.pop()
