from __future__ import annotations

import random
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from indexer.encoders import EncoderRequest, l2_normalize, load_encoder, register_encoder
from indexer.encoders.classical import ClassicalImageEncoder
from indexer.encoders.hashing import HashingEncoder
from indexer.encoders.images import batch_by_count_and_bytes, open_image, resize_center_crop, to_model_input
from indexer.errors import EncoderError
from indexer.synthetic import COLORS, draw_product


def _norms(vectors: np.ndarray) -> np.ndarray:
    return np.linalg.norm(vectors.astype(np.float64), axis=1)


def _products(category: str, color: str, n: int, seed: int) -> list[Image.Image]:
    rng = random.Random(seed)
    return [draw_product(category, COLORS[color], rng, 64) for _ in range(n)]


def test_registry_resolves_names_prefixes_and_registered_encoders() -> None:
    assert isinstance(load_encoder("hashing"), HashingEncoder)
    assert load_encoder("hashing:48").dim == 48
    assert isinstance(load_encoder("classical", modality="image"), ClassicalImageEncoder)
    register_encoder("fake-test", lambda req: HashingEncoder(16))
    assert load_encoder("fake-test").dim == 16


def test_registry_errors_say_what_to_use() -> None:
    with pytest.raises(EncoderError, match="unknown image encoder 'resnet'.*efficientnet-lite0"):
        load_encoder("resnet", modality="image")
    with pytest.raises(EncoderError, match="image-only"):
        load_encoder("classical", modality="text")
    with pytest.raises(EncoderError, match="text-only"):
        load_encoder("hashing", modality="image")
    with pytest.raises(EncoderError, match="hashing:256"):
        load_encoder("hashing:big")


def test_hashing_encoder_is_deterministic_unit_length_and_token_sensitive() -> None:
    encoder = HashingEncoder(64)
    vectors = encoder.encode(["red running shoe", "red running shoe", "blue ceramic mug", ""])
    assert vectors.dtype == np.float32 and vectors.shape == (4, 64)
    np.testing.assert_allclose(_norms(vectors), 1.0, atol=1e-6)
    assert np.array_equal(vectors[0], vectors[1])
    assert float(vectors[0] @ HashingEncoder(64).encode(["red shoe"])[0]) > float(vectors[0] @ vectors[2])


def test_l2_normalize_keeps_zero_rows_zero() -> None:
    out = l2_normalize([[3.0, 4.0], [0.0, 0.0]])
    assert out.dtype == np.float32
    np.testing.assert_array_equal(out, np.array([[0.6, 0.8], [0.0, 0.0]], dtype=np.float32))


def test_classical_descriptor_puts_same_colour_and_shape_closer() -> None:
    encoder = ClassicalImageEncoder()
    red_shoes = encoder.encode(_products("Apparel > Shoes", "red", 3, 1))
    blue_mugs = encoder.encode(_products("Home > Mugs", "blue", 3, 2))
    assert red_shoes.shape == (3, encoder.dim) == (3, 192)
    np.testing.assert_allclose(_norms(np.vstack([red_shoes, blue_mugs])), 1.0, atol=1e-5)
    within = float(np.mean(red_shoes @ red_shoes.T))
    across = float(np.mean(red_shoes @ blue_mugs.T))
    assert within > across + 0.1


def test_open_image_composites_transparency_on_white_and_accepts_bytes(tmp_path: Path) -> None:
    rgba = Image.new("RGBA", (10, 10), (255, 0, 0, 0))
    path = tmp_path / "t.png"
    rgba.save(path)
    for source in (path, path.read_bytes(), rgba):
        image = open_image(source)
        assert image.mode == "RGB" and image.getpixel((5, 5)) == (255, 255, 255)


def test_resize_center_crop_and_model_input_shape() -> None:
    image = Image.new("RGB", (200, 100), (255, 0, 0))
    assert resize_center_crop(image, 32).size == (32, 32)
    batch = to_model_input([image, image], 32, (0.5, 0.5, 0.5), (0.5, 0.5, 0.5))
    assert batch.shape == (2, 3, 32, 32) and batch.dtype == np.float32
    assert batch[0, 0].mean() == pytest.approx(1.0) and batch[0, 2].mean() == pytest.approx(-1.0)


def test_batches_respect_count_and_bytes() -> None:
    batches = list(batch_by_count_and_bytes(list("abcdefg"), [1, 1, 1, 5, 1, 9, 1], max_count=3, max_bytes=6))
    assert batches == [["a", "b", "c"], ["d", "e"], ["f"], ["g"]]


def test_tiny_clip_loads_through_the_real_clip_code(tiny_clip: Path) -> None:
    image_encoder = load_encoder(f"clip:{tiny_clip}", modality="image", device="cpu", batch_size=2)
    text_encoder = load_encoder(f"clip:{tiny_clip}", modality="text", device="cpu")
    assert image_encoder.dim == text_encoder.dim == 16
    assert image_encoder.name.endswith("/image") and text_encoder.name.endswith("/text")
    assert image_encoder.clip is text_encoder.clip  # type: ignore[attr-defined]  # one model for both towers
    images = _products("Apparel > Shoes", "red", 3, 4)
    image_vectors = image_encoder.encode(images)
    text_vectors = text_encoder.encode(["red running shoe", "blue mug", "a much longer product title " * 5])
    assert image_vectors.shape == (3, 16) and text_vectors.shape == (3, 16)
    assert image_vectors.dtype == text_vectors.dtype == np.float32
    np.testing.assert_allclose(_norms(np.vstack([image_vectors, text_vectors])), 1.0, atol=1e-5)
    query = image_encoder.query_encoder()
    assert query is not None and query.modality == "text" and query.dim == image_encoder.dim
    np.testing.assert_allclose(query.encode(["red running shoe"])[0], text_vectors[0], atol=1e-6)


def test_tiny_clip_in_sentence_transformers_layout_loads(tiny_clip: Path, tmp_path: Path) -> None:
    shutil.copytree(tiny_clip, tmp_path / "st-clip" / "0_CLIPModel")
    encoder = load_encoder(f"clip:{tmp_path / 'st-clip'}", modality="image", device="cpu")
    assert encoder.encode(_products("Home > Mugs", "blue", 1, 5)).shape == (1, 16)


def test_clip_folder_without_a_model_is_an_encoder_error(tmp_path: Path) -> None:
    with pytest.raises(EncoderError, match="no config.json"):
        load_encoder(f"clip:{tmp_path}", modality="image", device="cpu")


def test_sentence_transformer_name_that_is_not_available_offline_is_an_encoder_error() -> None:
    with pytest.raises(EncoderError, match="cannot be loaded.*minilm"):
        load_encoder("no-such-org/no-such-model", device="cpu")


def test_a_device_torch_cannot_use_is_refused_with_the_fix() -> None:
    import torch

    from indexer.encoders import resolve_device

    assert resolve_device("cpu") == "cpu"
    assert resolve_device("auto") == resolve_device(None) in ("cpu", "cuda", "mps")
    with pytest.raises(EncoderError, match="unknown device; use auto, cpu, cuda"):
        resolve_device("gpu")
    missing = f"cuda:{torch.cuda.device_count() if torch.cuda.is_available() else 0}"
    with pytest.raises(EncoderError, match=f"--device {missing}: .*use --device cpu"):
        load_encoder("minilm", device=missing)  # refused before any model is loaded


@pytest.mark.slow
def test_minilm_puts_related_titles_closer() -> None:
    encoder = load_encoder("minilm", device="cpu")
    assert encoder.dim == 384 and encoder.name.startswith("minilm:")
    vectors = encoder.encode(
        [
            "HP LaserJet toner cartridge black",
            "black toner for HP laser printers",
            "wireless over-ear headphones",
            "Bluetooth noise cancelling headset",
        ]
    )
    np.testing.assert_allclose(_norms(vectors), 1.0, atol=1e-5)
    sims = vectors @ vectors.T
    assert sims[0, 1] > sims[0, 2] and sims[0, 1] > sims[0, 3]
    assert sims[2, 3] > sims[2, 0] and sims[2, 3] > sims[2, 1]


@pytest.mark.slow
def test_efficientnet_lite0_embeds_1280_d_unit_vectors_and_groups_shapes() -> None:
    encoder = load_encoder("efficientnet-lite0", modality="image", device="cpu", batch_size=4)
    shoes = encoder.encode(
        _products("Apparel > Shoes", "red", 2, 6) + _products("Apparel > Shoes", "blue", 1, 7)
    )
    phones = encoder.encode(_products("Electronics > Phones", "black", 2, 8))
    assert shoes.shape == (3, 1280) and shoes.dtype == np.float32
    np.testing.assert_allclose(_norms(np.vstack([shoes, phones])), 1.0, atol=1e-5)
    assert float(shoes[0] @ shoes[2]) > float(shoes[0] @ phones[0])  # shape beats colour for a CNN


def test_encoder_request_defaults() -> None:
    assert EncoderRequest("x", "text") == EncoderRequest("x", "text", None, 64)
