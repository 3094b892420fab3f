"""Feeding in-memory arrays to Keras's ``fit`` as a tf.data pipeline without autotuning.

Keras turns NumPy input into a tf.data pipeline with autotuning on. Now and then the
next epoch then waits, with the machine idle, while the old epoch's iterator is torn
down: a py-spy dump showed the main thread in tf.data's iterator destructor, waiting
for one of tf.data's own threads, for 10-30 s at a time. With autotuning off, no
such wait was seen (``benchmarks/RESULTS.md``, "Idle waits between epochs").
Gathering a batch from memory takes microseconds, so nothing here needs tuning.
"""


def array_dataset(arrays, batch_size, *, shuffle=False, seed=None, mixup=0.0, cutmix=0.0):
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
        Seed of the shuffling and of the mixup weights, so that a seeded fit sees
        the same batches again.
    mixup : float, default=0.0
        Mixup (Zhang et al. 2018) with this Beta(mixup, mixup) parameter: each batch
        becomes ``lam * batch + (1 - lam) * partner`` for its images, its targets and
        its sample weights, with one ``lam`` drawn per batch and the partner the
        batch in reverse order (its rows are already in random order). Needs a
        single float target array, such as one-hot labels. 0: no mixing.
    cutmix : float, default=0.0
        CutMix (Yun et al. 2019) with this Beta(cutmix, cutmix) parameter: in each
        batch, one rectangle of every image is replaced by the same rectangle of its
        partner (the batch in reverse order), and targets and sample weights are
        blended by the share of pixels each image keeps. The rectangle's area is
        ``1 - lam`` of the image for a ``lam`` drawn per batch, its centre uniform,
        and it is clipped at the borders. Needs images ``(rows, height, width[,
        channels])`` and one float target array. 0: none; not with ``mixup``.

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
    if mixup and cutmix:
        raise ValueError(f"mixup={mixup} and cutmix={cutmix}: use one of the two (the other 0)")
    if mixup:
        dataset = _mixed_up(dataset, mixup, seed)
    if cutmix:
        dataset = _cut_mixed(dataset, cutmix, seed)
    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.prefetch(1).with_options(options)


def _mixed_up(dataset, alpha, seed):
    """Each batch mixed with its reverse by a Beta(alpha, alpha) weight drawn per batch."""
    import tensorflow as tf

    _check_one_float_target(dataset, "mixup")

    def mix(batch, seed_pair):
        lam = _beta(alpha, seed_pair)
        return tuple(_blend(part, tf.reverse(part, axis=[0]), lam) for part in map(_as_float, batch))

    return tf.data.Dataset.zip(dataset, _seed_pairs(seed)).map(mix)


def _cut_mixed(dataset, alpha, seed):
    """In each batch, one rectangle of every image taken from its reverse partner; the rest blended by area."""
    import tensorflow as tf

    _check_one_float_target(dataset, "cutmix")
    if len(dataset.element_spec[0].shape) not in (3, 4):
        raise ValueError(f"cutmix needs images (rows, height, width[, channels]), got {dataset.element_spec[0]}")

    def cut(batch, seed_pair):
        images, *rest = map(_as_float, batch)
        size_seed, place_seed = tf.unstack(tf.random.experimental.stateless_split(seed_pair, 2))
        inside = _random_box(tf.shape(images)[1:3], _beta(alpha, size_seed), place_seed)
        mask = inside[None, :, :, None] if len(images.shape) == 4 else inside[None]
        cut_images = images * (1 - mask) + tf.reverse(images, axis=[0]) * mask
        kept = 1 - tf.reduce_mean(inside)
        return (cut_images, *(_blend(part, tf.reverse(part, axis=[0]), kept) for part in rest))

    return tf.data.Dataset.zip(dataset, _seed_pairs(seed)).map(cut)


def _random_box(shape, lam, seed_pair):
    """A float (height, width) mask, 1 inside a rectangle of about ``1 - lam`` of the area with a uniform centre."""
    import tensorflow as tf

    sides = tf.cast(shape, tf.float32)
    box = tf.cast(tf.round(sides * tf.sqrt(1 - lam)), tf.int32)
    centre = tf.cast(tf.random.stateless_uniform([2], seed=seed_pair) * sides, tf.int32)
    low = tf.clip_by_value(centre - box // 2, 0, shape)
    high = tf.clip_by_value(centre - box // 2 + box, 0, shape)
    rows, cols = tf.range(shape[0]), tf.range(shape[1])
    in_rows = (rows >= low[0]) & (rows < high[0])
    in_cols = (cols >= low[1]) & (cols < high[1])
    return tf.cast(in_rows[:, None] & in_cols[None, :], tf.float32)


def _seed_pairs(seed):
    """One stateless seed pair per batch, new at every pass over the data, fixed by ``seed``."""
    import tensorflow as tf

    return tf.data.Dataset.random(seed=seed, rerandomize_each_iteration=True).batch(2)


def _beta(alpha, seed_pair):
    """One draw from Beta(alpha, alpha), as the ratio of two Gamma(alpha) draws."""
    import tensorflow as tf

    gammas = tf.random.stateless_gamma([2], seed=seed_pair, alpha=alpha)
    return gammas[0] / (gammas[0] + gammas[1])


def _check_one_float_target(dataset, name):
    import tensorflow as tf

    if not isinstance(dataset.element_spec[1], tf.TensorSpec) or not dataset.element_spec[1].dtype.is_floating:
        raise ValueError(f"{name} needs one float target array (such as one-hot labels), got {dataset.element_spec[1]}")


def _blend(part, partner, lam):
    import tensorflow as tf

    lam = tf.cast(lam, part.dtype)
    return lam * part + (1 - lam) * partner


def _as_float(tensor):
    import tensorflow as tf

    return tensor if tensor.dtype.is_floating else tf.cast(tensor, tf.float32)


def _common_length(tensors):
    import tensorflow as tf

    lengths = {int(tensor.shape[0]) for tensor in tf.nest.flatten(tensors)}
    if len(lengths) != 1:
        raise ValueError(f"all arrays fed to the network need the same number of rows, got {sorted(lengths)}")
    return lengths.pop()
