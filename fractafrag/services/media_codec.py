"""Uploaded media checked and cleaned: images decoded and re-encoded by Pillow, audio sniffed,
videos opened, decoded and remuxed by PyAV.

Pure functions over bytes (no Flask, no database), so the CPU-heavy part can run on a pool
thread (`offload.off_hub`) and be tested alone. Every refusal is a `MediaRefused` whose status
and message name the problem: 415 for what is not a supported image, audio or video file, 413
for too many bytes, 422 for an image or video that is truncated, corrupt, too large in pixels
(or too long) or a decompression bomb.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tempfile
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

from fractafrag.services import ServiceError

# The formats accepted, by Pillow's name, with what each is re-encoded as and served with.
IMAGE_FORMATS = {"PNG": ("png", "image/png"), "JPEG": ("jpg", "image/jpeg"),
                 "WEBP": ("webp", "image/webp")}
AUDIO_FORMATS = {"ogg": "audio/ogg", "mp3": "audio/mpeg", "wav": "audio/wav"}
# Video containers by sniffed kind: (PyAV's demuxer, muxer, stored extension, mime, the codecs
# browsers decode in it). Matroska is remuxed as WebM, which takes the same codecs.
VIDEO_FORMATS = {"webm": ("matroska", "webm", "webm", "video/webm", ("vp8", "vp9", "av1")),
                 "mp4": ("mp4", "mp4", "mp4", "video/mp4", ("h264", "vp9", "av1"))}
UNSUPPORTED = ("The file is not a PNG, JPEG or WebP image, Ogg, MP3 or WAV audio, nor WebM or "
               "MP4 video.")


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

    kind: str  # "image" | "audio" | "video"
    data: bytes
    extension: str
    mime: str
    width: int | None = None
    height: int | None = None
    seconds: float | None = None  # a video's duration

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
        raise _refuse(415, UNSUPPORTED)
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
        if looks_like_image(data):  # starts like one, yet Pillow cannot read its header
            raise _refuse(422, f"The image is truncated or corrupt: its header cannot be read "
                               f"(only {len(data)} bytes arrived).") from None
        raise _refuse(415, UNSUPPORTED) from None
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


def sniff_video(data: bytes) -> str | None:
    """The video container by magic bytes ("webm" for EBML: WebM or Matroska; "mp4" for an
    ISO media file's `ftyp` box), or None."""
    if data[:4] == b"\x1a\x45\xdf\xa3":
        return "webm"
    if data[4:8] == b"ftyp":
        return "mp4"
    return None


def clean_video(data: bytes, max_bytes: int, max_side: int, max_seconds: float) -> CleanMedia:
    """Open the video with PyAV, decode its first frame, and remux its one video stream alone
    into a new WebM (from WebM or Matroska) or MP4 (from MP4 or QuickTime): container and
    stream metadata (titles, dates, GPS) and every other stream (sound, subtitles) are left
    behind; the coded pictures are copied as they are, not re-encoded.

    Refused: more than max_bytes (413); a container of no video stream, or a codec browsers
    do not play in it (415: VP8, VP9 or AV1 in WebM; H.264, VP9 or AV1 in MP4); a header that
    cannot be read, a first frame that does not decode, fewer pictures than the file declares
    or pictures ending well before its declared duration (truncated, 422); wider or taller than
    max_side, or longer than max_seconds (422).
    """
    import av  # PyAV: imported here, so the validator's import of this module stays light

    kind = sniff_video(data)
    if kind is None:
        raise _refuse(415, UNSUPPORTED)
    demuxer, muxer, extension, mime, codecs = VIDEO_FORMATS[kind]
    label = "WebM" if kind == "webm" else "MP4"
    if len(data) > max_bytes:
        raise _refuse(413, f"The {label} video is {len(data)} bytes; videos may be at most "
                           f"{max_bytes} bytes (FRACTAFRAG_MEDIA_MAX_VIDEO_BYTES).")
    truncated = (f"The {label} video is truncated or corrupt: its header cannot be read "
                 "(was the upload cut short?).")
    try:
        source = av.open(io.BytesIO(data), format=demuxer)
    except (av.error.FFmpegError, OSError, EOFError, ValueError):
        raise _refuse(422, truncated) from None
    with source:
        if not source.streams.video:
            raise _refuse(415, f"The {label} file holds no video stream (sound alone belongs "
                               "in an Ogg, MP3 or WAV file).")
        stream = source.streams.video[0]
        codec = stream.codec_context.name
        if codec not in codecs:
            raise _refuse(415, f"The {label} video is coded as {codec}, which browsers do not "
                               f"play in {label}: use {', '.join(c.upper() for c in codecs)}.")
        width, height = stream.codec_context.width, stream.codec_context.height
        if width > max_side or height > max_side:
            raise _refuse(422, f"The video is {width}×{height} pixels; videos may be at most "
                               f"{max_side}×{max_side} (FRACTAFRAG_MEDIA_MAX_SIDE).")
        declared = _declared_seconds(source, stream)
        if declared is not None and declared > max_seconds:
            raise _refuse(422, f"The video lasts {declared:.1f} s; videos may last at most "
                               f"{max_seconds:g} s (FRACTAFRAG_MEDIA_MAX_VIDEO_SECONDS).")
        declared_frames = stream.frames  # MP4 counts its samples; WebM says 0 (unknown)
        stored, packets, end, decoded = _remux(av, source, stream, muxer, label)
    if declared_frames and packets < declared_frames:
        raise _refuse(422, f"The {label} video is truncated: it declares {declared_frames} "
                           f"pictures but holds {packets}.")
    if declared is not None and end < declared - max(0.5, declared * 0.05):
        raise _refuse(422, f"The {label} video is truncated: it declares {declared:.1f} s but "
                           f"its pictures end at {end:.1f} s.")
    if not decoded:
        raise _refuse(422, f"The {label} video has no picture that decodes (empty, truncated "
                           "or corrupt).")
    seconds = declared if declared is not None else end
    if seconds > max_seconds:
        raise _refuse(422, f"The video lasts {seconds:.1f} s; videos may last at most "
                           f"{max_seconds:g} s (FRACTAFRAG_MEDIA_MAX_VIDEO_SECONDS).")
    return CleanMedia("video", stored, extension, mime, width, height, round(seconds, 3))


def _declared_seconds(source: Any, stream: Any) -> float | None:
    """The duration the container (else the stream) declares, in seconds, or None."""
    if source.duration:
        seconds: float = source.duration / 1_000_000  # AV_TIME_BASE
        return seconds
    if stream.duration and stream.time_base:
        return float(stream.duration * stream.time_base)
    return None


def _remux(av: Any, source: Any, stream: Any, muxer: str, label: str
           ) -> tuple[bytes, int, float, bool]:
    """Copy the video stream's packets alone into a new container, decoding the first picture
    on the way; return (the new file, packets copied, where the last picture ends in seconds,
    whether a picture decoded). A read error or a corrupt packet is a truncated file, a first
    picture the decoder refuses a corrupt one (MediaRefused 422)."""
    packets, end, decoded = 0, 0.0, False
    decoder = stream.codec_context
    with tempfile.TemporaryDirectory(prefix="fractafrag-video-") as folder:
        path = os.path.join(folder, f"video.{muxer}")
        # MP4: the index (moov) goes before the pictures, so browsers start playing at once.
        options = {"movflags": "+faststart"} if muxer == "mp4" else {}
        with av.open(path, "w", format=muxer, options=options) as target:
            out = target.add_stream_from_template(stream)
            try:
                for packet in source.demux(stream):
                    if packet.dts is None and packet.size == 0:
                        continue  # the demuxer's end-of-stream marker
                    if packet.is_corrupt:
                        raise _refuse(422, f"The {label} video is truncated or corrupt: "
                                           f"picture {packets + 1} is damaged.")
                    if not decoded:
                        try:
                            decoded = bool(decoder.decode(packet))
                        except av.error.FFmpegError as error:
                            raise _refuse(422, f"The {label} video's first picture does not "
                                               f"decode: {error.strerror}.") from None
                    if packet.pts is not None and packet.time_base:
                        end = max(end, float((packet.pts + (packet.duration or 0))
                                             * packet.time_base))
                    packet.stream = out
                    target.mux(packet)
                    packets += 1
                if not decoded:
                    decoded = any(True for _ in decoder.decode(None))
            except (av.error.FFmpegError, OSError, EOFError) as error:
                raise _refuse(422, f"The {label} video is truncated or corrupt after "
                                   f"{packets} pictures: {getattr(error, 'strerror', error)}."
                              ) from None
        if not packets:  # nothing was muxed: PyAV never wrote the file
            return b"", 0, end, decoded
        with open(path, "rb") as stored:
            return stored.read(), packets, end, decoded


def clean(data: bytes, *, max_image_bytes: int, max_audio_bytes: int, max_side: int,
          max_video_bytes: int = 32 * 1024 * 1024, max_video_seconds: float = 60.0
          ) -> CleanMedia:
    """The stored form of an upload: a clean image, audio as sent, or a remuxed video;
    MediaRefused otherwise."""
    if not data:
        raise _refuse(422, "The file is empty.")
    if sniff_video(data) is not None:
        return clean_video(data, max_video_bytes, max_side, max_video_seconds)
    if sniff_audio(data) is not None and not looks_like_image(data):
        return clean_audio(data, max_audio_bytes)
    return clean_image(data, max_image_bytes, max_side)
