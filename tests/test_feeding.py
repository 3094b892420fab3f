import numpy as np
import pytest

from sklearn_fer.estimators._feeding import array_dataset


def _rows_of_each_pass(dataset, n_passes):
    return [np.concatenate([X[:, 0] for X, *_ in dataset.as_numpy_iterator()]) for _ in range(n_passes)]


def test_array_dataset_switches_autotuning_off():
    dataset = array_dataset((np.zeros((5, 2)), np.zeros(5)), 2)
    assert dataset.options().autotune.enabled is False


def test_array_dataset_batches_every_row_once_per_pass_in_a_new_seeded_order():
    X, y = np.arange(50, dtype=np.float32)[:, None], np.arange(50) % 7
    dataset = array_dataset((X, y), 8, shuffle=True, seed=3)
    first, second = _rows_of_each_pass(dataset, 2)
    assert [len(batch[0]) for batch in dataset.as_numpy_iterator()] == [8] * 6 + [2]
    assert sorted(first) == sorted(second) == list(range(50))
    assert not np.array_equal(first, second), "the order must change between epochs"
    again = _rows_of_each_pass(array_dataset((X, y), 8, shuffle=True, seed=3), 2)
    np.testing.assert_array_equal(again, [first, second])
    for X_batch, y_batch in dataset.as_numpy_iterator():
        np.testing.assert_array_equal(X_batch[:, 0].astype(int) % 7, y_batch)  # rows stay aligned


def test_array_dataset_keeps_order_without_shuffle_and_nested_targets():
    X = np.arange(6, dtype=np.float32)[:, None]
    targets = {"emotion": np.arange(6) * 10, "aux": np.arange(6) * 100}
    weights = {"emotion": np.ones(6), "aux": np.zeros(6)}
    batches = list(array_dataset((X, targets, weights), 4).as_numpy_iterator())
    assert len(batches) == 2
    X_first, y_first, w_first = batches[0]
    np.testing.assert_array_equal(X_first[:, 0], [0, 1, 2, 3])
    np.testing.assert_array_equal(y_first["aux"], [0, 100, 200, 300])
    assert set(w_first) == {"emotion", "aux"}


def test_array_dataset_leaves_out_missing_weights_and_rejects_ragged_input():
    assert len(next(iter(array_dataset((np.zeros((3, 2)), np.zeros(3), None), 2)))) == 2
    with pytest.raises(ValueError, match=r"same number of rows, got \[3, 4\]"):
        array_dataset((np.zeros((3, 2)), np.zeros(4)), 2)


def test_mixup_blends_each_batch_with_its_reverse_by_one_weight_per_batch():
    X = np.arange(40, dtype=np.float32)[:, None] * [1.0, -2.0]
    y = np.eye(4, dtype=np.float32)[np.arange(40) % 4]
    weights = np.linspace(0.5, 2.0, 40).astype(np.float32)
    plain = list(array_dataset((X, y, weights), 8, shuffle=True, seed=5).as_numpy_iterator())
    mixed = array_dataset((X, y, weights), 8, shuffle=True, seed=5, mixup=0.4)
    weights_of_the_batches, first_pass = [], list(mixed.as_numpy_iterator())
    for (X_plain, y_plain, w_plain), (X_mixed, y_mixed, w_mixed) in zip(plain, first_pass):
        lam = _solved_weight(X_plain[:, 0], X_mixed[:, 0])
        assert 0.0 <= lam <= 1.0
        for part_plain, part_mixed in ((X_plain, X_mixed), (y_plain, y_mixed), (w_plain, w_mixed)):
            np.testing.assert_allclose(part_mixed, lam * part_plain + (1 - lam) * part_plain[::-1], rtol=1e-5, atol=1e-5)
        weights_of_the_batches.append(round(lam, 5))
    assert len(set(weights_of_the_batches)) == len(plain), "one weight drawn per batch"
    np.testing.assert_allclose(first_pass[0][1].sum(axis=1), 1.0, rtol=1e-6)
    second_pass = list(mixed.as_numpy_iterator())
    assert not np.array_equal(first_pass[0][0], second_pass[0][0]), "new orders and weights every epoch"
    again = list(array_dataset((X, y, weights), 8, shuffle=True, seed=5, mixup=0.4).as_numpy_iterator())
    np.testing.assert_array_equal(again[0][0], first_pass[0][0])  # seeded: the same batches again


def _solved_weight(plain, mixed):
    """lam from mixed = lam * plain + (1 - lam) * reversed(plain), on the first row whose partner differs."""
    row = int(np.flatnonzero(plain != plain[::-1])[0])
    return float((mixed[row] - plain[::-1][row]) / (plain[row] - plain[::-1][row]))


def test_mixup_needs_one_float_target_array():
    X = np.zeros((6, 2), dtype=np.float32)
    with pytest.raises(ValueError, match="mixup needs one float target array"):
        array_dataset((X, {"emotion": np.zeros((6, 3), dtype=np.float32)}), 2, mixup=0.2)
    with pytest.raises(ValueError, match="mixup needs one float target array"):
        array_dataset((X, np.arange(6)), 2, mixup=0.2)


def test_cutmix_pastes_one_box_of_the_reversed_batch_and_blends_targets_by_area():
    X = (np.arange(40, dtype=np.float32) + 1)[:, None, None, None] * np.ones((1, 12, 10, 1), dtype=np.float32)
    y = np.eye(4, dtype=np.float32)[np.arange(40) % 4]
    weights = np.linspace(0.5, 2.0, 40).astype(np.float32)
    plain = list(array_dataset((X, y, weights), 8, shuffle=True, seed=5).as_numpy_iterator())
    cut = array_dataset((X, y, weights), 8, shuffle=True, seed=5, cutmix=1.0)
    first_pass, boxes = list(cut.as_numpy_iterator()), []
    for (X_plain, y_plain, w_plain), (X_cut, y_cut, w_cut) in zip(plain, first_pass):
        partner = X_plain[::-1]
        inside = X_cut[0, :, :, 0] != X_plain[0, :, :, 0]  # every face differs from its partner's constant value
        rows, cols = np.flatnonzero(inside.any(axis=1)), np.flatnonzero(inside.any(axis=0))
        if inside.any():
            assert inside.sum() == len(rows) * len(cols) and np.all(np.diff(rows) == 1) and np.all(np.diff(cols) == 1), "a rectangle"
        mask = inside[None, :, :, None]
        np.testing.assert_array_equal(X_cut, np.where(mask, partner, X_plain))  # the same box for every face of the batch
        kept = 1 - inside.mean()
        np.testing.assert_allclose(y_cut, kept * y_plain + (1 - kept) * y_plain[::-1], rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(w_cut, kept * w_plain + (1 - kept) * w_plain[::-1], rtol=1e-5, atol=1e-6)
        boxes.append(inside.tobytes())
    assert len(set(boxes)) > len(plain) // 2, "a box drawn per batch"
    second_pass = list(cut.as_numpy_iterator())
    assert not np.array_equal(first_pass[0][0], second_pass[0][0]), "new orders and boxes every epoch"
    again = list(array_dataset((X, y, weights), 8, shuffle=True, seed=5, cutmix=1.0).as_numpy_iterator())
    np.testing.assert_array_equal(again[0][0], first_pass[0][0])  # seeded: the same batches again


def test_cutmix_box_areas_vary_and_spread_with_a_smaller_beta_parameter():
    X = np.zeros((64, 20, 20), dtype=np.float32)
    X[32:] = 1.0  # the reversed partner of each of the first 32 faces is a face of ones
    y = np.eye(2, dtype=np.float32)[np.arange(64) // 32]

    def box_areas(alpha):
        dataset = array_dataset((X, y), 64, seed=2, cutmix=alpha).repeat(200)  # 200 passes, a new box each
        return np.array([X_cut[0].mean() for X_cut, _ in dataset.as_numpy_iterator()])

    uniform, small = box_areas(1.0), box_areas(0.2)
    assert len(np.unique(uniform)) > 40 and 0.1 < uniform.mean() < 0.5  # Beta(1, 1) areas, clipped at the borders

    def extreme(areas):
        return np.mean((areas < 0.1) | (areas > 0.9))

    # Beta(0.2, 0.2) puts most of its weight near 0 and 1: boxes of almost nothing or almost everything.
    assert extreme(small) > extreme(uniform) + 0.15


def test_cutmix_needs_images_and_one_float_target_and_excludes_mixup():
    images, one_hot = np.zeros((6, 4, 4), dtype=np.float32), np.eye(3, dtype=np.float32)[np.arange(6) % 3]
    with pytest.raises(ValueError, match=r"cutmix needs images \(rows, height, width\[, channels\]\)"):
        array_dataset((np.zeros((6, 16), dtype=np.float32), one_hot), 2, cutmix=1.0)
    with pytest.raises(ValueError, match="cutmix needs one float target array"):
        array_dataset((images, np.arange(6)), 2, cutmix=1.0)
    with pytest.raises(ValueError, match="mixup=0.2 and cutmix=1.0: use one of the two"):
        array_dataset((images, one_hot), 2, mixup=0.2, cutmix=1.0)
