"""Images are re-encoded and downscaled; a broken or hostile file becomes a reason, not a crash."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from PIL import Image

from shopper.report.images import ImageProblem, PreparedImage, PreparedImages, prepare_image
from tests.report.images import bomb_png, not_an_image, photo, transparent_png, truncated_jpeg


def _decoded(result: PreparedImage | ImageProblem) -> Image.Image:
    assert isinstance(result, PreparedImage), result
    img = Image.open(BytesIO(result.data))
    assert img.format == "JPEG"
    assert img.size == (result.width, result.height)
    return img


def test_a_photo_is_downscaled_and_reencoded(tmp_path: Path) -> None:
    source = photo(tmp_path / "shop.jpg", (3000, 2000))
    img = _decoded(prepare_image(source, max_side=600))
    assert img.size == (600, 400)


def test_small_images_are_not_enlarged(tmp_path: Path) -> None:
    img = _decoded(prepare_image(photo(tmp_path / "s.png", (120, 80), "PNG"), max_side=600))
    assert img.size == (120, 80)


def test_transparency_is_flattened_on_white(tmp_path: Path) -> None:
    img = _decoded(prepare_image(transparent_png(tmp_path / "t.png")))
    red, green, blue = img.convert("RGB").getpixel((10, 10))  # type: ignore[misc]
    assert red > 200 and green > 130 and blue > 130  # pale red, not dark red on black


def test_content_decides_not_the_name(tmp_path: Path) -> None:
    png_named_jpg = photo(tmp_path / "really-a-png.jpg", (200, 100), "PNG")
    assert _decoded(prepare_image(png_named_jpg)).size == (200, 100)


def test_sixteen_bit_greyscale_is_converted(tmp_path: Path) -> None:
    path = tmp_path / "grey16.png"
    Image.new("I;16", (64, 32), 40000).save(path)
    assert _decoded(prepare_image(path)).size == (64, 32)


def test_broken_files_give_one_line_reasons(tmp_path: Path) -> None:
    cases = {
        "damaged": truncated_jpeg(tmp_path / "cut.jpg"),
        "not an image": not_an_image(tmp_path / "script.png"),
        "too large": bomb_png(tmp_path / "bomb.png"),
        "cannot be read": tmp_path / "missing.png",
    }
    for expected, path in cases.items():
        result = prepare_image(path)
        assert isinstance(result, ImageProblem), path
        assert expected in result.reason
        assert "\n" not in result.reason


def test_a_report_prepares_each_file_once(tmp_path: Path) -> None:
    images = PreparedImages(max_side=300)
    path = photo(tmp_path / "shop.jpg", (1200, 900))
    first = images.get(path)
    assert isinstance(first, PreparedImage) and (first.width, first.height) == (300, 225)
    path.write_bytes(b"changed since")  # later uses in the same report reuse the first copy
    assert images.get(path) is first
    broken = images.get(not_an_image(tmp_path / "x.png"))
    assert isinstance(broken, ImageProblem)
