"""Uploaded media checked and cleaned: images decoded and re-encoded by Pillow, audio sniffed.

Pure functions over bytes (no Flask, no database), so the CPU-heavy part can run on a pool
thread (`offload.off_hub`) and be tested alone. Every refusal is a `MediaRefused` whose status
and message name the problem: 415 for what is not a supported image or audio file, 413 for too
many bytes, 422 for an image that is truncated, corrupt, too large in pixels or a
decompression bomb.
"""

from __future__ import annotations

import hashlib
import io
import re
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from fractafrag.services import ServiceError

# The formats accepted, by Pillow's name, with what each is re-encoded as and served with.
IMAGE_FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"),
                 "WEBP": ("webp", "image/webp")}
AUDIO_FORMATS = {"ogg": "audio/ogg", "mp3": "audio/mpeg", "wav": "audio/wav"}


# What a shader input names to read an uploaded medium (an id without leading zeros).
MEDIA_SOURCE = re.compile(r"media:([1-9][0-9]{0,17})")


def is_media_source(source: object) -> bool:
    """Whether an input's source is `media:<id>` (syntax only: services.media's
    media_source_errors checks the medium exists and the author may use it). Dependency-free
    (no Flask, no database) so the validator can call it."""
    return isinstance(source, str) and MEDIA_SOURCE.fullmatch(source) is not None


class MediaRefused(ServiceError):
    """The upload is not something we store; the message says what is wrong with it."""

    status = 422


@dataclass(frozen=True)
class CleanMedia:
    """What to store: the bytes (re-encoded image or audio as sent) and what they are."""

    kind: str  # "image" | "audio"
    data: bytes
    extension: str
    mime: str
    width: int | None = None
    height: int | None = None

    @property
    def sha256(self) -> str:
        """The SHA-256 of the stored bytes (hex)."""
        return hashlib.sha256(self.data).hexdigest()


def _refuse(status: int, message: str) -> MediaRefused:
    return MediaRefused(message, {"files": {"file": [message]}}, status=status)


def sniff_audio(data: bytes) -> str | None:
    """The audio format by magic bytes ("ogg", "mp3", "wav"), or None."""
    head = data[:4096]
    if head.startswith(b"OggS"):
        # The first page carries the codec's identification header: Vorbis, Opus or FLAC
        # (an Ogg stream of Theora video or anything else is not music).
        first_page = head[:512]
        if b"\x01vorbis" in first_page or b"OpusHead" in first_page or b"\x7fFLAC" in first_page:
            return "ogg"
        return None
    if len(head) >= 12 and head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"ID3") and len(head) >= 10:
        return "mp3"
    if len(head) >= 4 and _mp3_frame_header(head[:4]):
        return "mp3"
    return None


def _mp3_frame_header(header: bytes) -> bool:
    """Whether four bytes are a valid MPEG audio frame header (sync, version, layer, rates)."""
    if header[0] != 0xFF or header[1] & 0xE0 != 0xE0:
        return False
    version = (header[1] >> 3) & 0x03
    layer = (header[1] >> 1) & 0x03
    bitrate = header[2] >> 4
    sample_rate = (header[2] >> 2) & 0x03
    return version != 0x01 and layer != 0x00 and bitrate != 0x0F and sample_rate != 0x03


def looks_like_image(data: bytes) -> bool:
    """Whether the bytes start like a PNG, JPEG or WebP file."""
    return (data.startswith(b"\x89PNG\r\n\x1a\n") or data.startswith(b"\xff\xd8\xff")
            or (data[:4] == b"RIFF" and data[8:12] == b"WEBP"))


def clean_audio(data: bytes, max_bytes: int) -> CleanMedia:
    """Audio is stored as sent, once its magic bytes say Ogg (Vorbis/Opus/FLAC), MP3 or WAV."""
    kind = sniff_audio(data)
    if kind is None:
        raise _refuse(415, "The file is not a PNG, JPEG or WebP image nor Ogg, MP3 or WAV audio.")
    if len(data) > max_bytes:
        raise _refuse(413, f"The {kind.upper()} file is {len(data)} bytes; audio may be at most "
                           f"{max_bytes} bytes (FRACTAFRAG_MEDIA_MAX_AUDIO_BYTES).")
    return CleanMedia("audio", data, kind, AUDIO_FORMATS[kind])


def clean_image(data: bytes, max_bytes: int, max_side: int) -> CleanMedia:
    """Decode the image and re-encode its pixels alone: no EXIF, ICC, XMP or text chunks.

    Refused: more than max_bytes (413); not PNG/JPEG/WebP (415); a width or height over
    max_side, or a decompression bomb (Pillow's DecompressionBombError, refused from the
    header before any pixel is decoded), or truncated/corrupt data (422). The EXIF orientation
    is applied first, so the pixels stand as a photo viewer shows them; animated images keep
    their first frame. Pixels are taken as sRGB (an ICC profile is dropped, not applied).
    """
    if len(data) > max_bytes:
        raise _refuse(413, f"The image is {len(data)} bytes; images may be at most {max_bytes} "
                           "bytes (FRACTAFRAG_MEDIA_MAX_IMAGE_BYTES).")
    try:
        image = Image.open(io.BytesIO(data), formats=list(IMAGE_FORMATS))
    except Image.DecompressionBombError as error:
        raise _refuse(422, f"The image is a decompression bomb: {error} Images may be at most "
                           f"{max_side}×{max_side} pixels.") from None
    except UnidentifiedImageError:
        raise _refuse(415, "The file is not a PNG, JPEG or WebP image nor Ogg, MP3 or WAV "
                           "audio.") from None
    except (OSError, SyntaxError, ValueError, EOFError) as error:
        raise _refuse(422, f"The image's header is corrupt: {error}.") from None
    with image:
        fmt = image.format or ""
        width, height = image.size
        if width > max_side or height > max_side:
            raise _refuse(422, f"The image is {width}×{height} pixels; images may be at most "
                               f"{max_side}×{max_side} (FRACTAFRAG_MEDIA_MAX_SIDE).")
        if width < 1 or height < 1:
            raise _refuse(422, f"The image has no pixels ({width}×{height}).")
        try:
            image.load()
            upright = ImageOps.exif_transpose(image)
        except Image.DecompressionBombError as error:
            raise _refuse(422, f"The image is a decompression bomb: {error}") from None
        except (OSError, SyntaxError, ValueError, EOFError, IndexError) as error:
            reason = "truncated" if "truncated" in str(error).lower() else "corrupt"
            raise _refuse(422, f"The {fmt} image is {reason} and cannot be decoded: "
                               f"{error}.") from None
        pixels = _plain_pixels(upright)
    extension, mime = IMAGE_FORMATS[fmt]
    out = io.BytesIO()
    if fmt == "PNG":
        pixels.save(out, "PNG", compress_level=1)  # zlib level 1: ~4x faster than 6, sizes close
    elif fmt == "JPEG":
        pixels.convert("RGB").save(out, "JPEG", quality=92, subsampling=0)
    else:
        pixels.save(out, "WEBP", quality=92, method=1, exact=True)
    return CleanMedia("image", out.getvalue(), extension, mime, pixels.width, pixels.height)


def _plain_pixels(image: Image.Image) -> Image.Image:
    """A new RGB or RGBA image holding only the pixels (image.info, hence every piece of
    metadata, is left behind: Pillow's encoders would otherwise carry ICC profiles along)."""
    has_alpha = image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or (
        image.mode == "P" and "transparency" in image.info)
    mode = "RGBA" if has_alpha else "RGB"
    converted = image.convert(mode) if image.mode != mode else image
    return Image.frombytes(mode, converted.size, converted.tobytes())


def clean(data: bytes, *, max_image_bytes: int, max_audio_bytes: int,
          max_side: int) -> CleanMedia:
    """The stored form of an upload: a clean image, or audio as sent; MediaRefused otherwise."""
    if not data:
        raise _refuse(422, "The file is empty.")
    if sniff_audio(data) is not None and not looks_like_image(data):
        return clean_audio(data, max_audio_bytes)
    return clean_image(data, max_image_bytes, max_side)
