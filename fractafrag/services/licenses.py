"""The licences a shader may carry (SPDX identifiers)."""

SPDX_LICENSES = (
    "CC0-1.0",
    "CC-BY-4.0",
    "CC-BY-SA-4.0",
    "CC-BY-NC-4.0",
    "CC-BY-NC-SA-4.0",
    "CC-BY-ND-4.0",
    "CC-BY-NC-ND-4.0",
    "CC-BY-3.0",
    "CC-BY-SA-3.0",
    "CC-BY-NC-3.0",
    "CC-BY-NC-SA-3.0",
    "MIT",
    "MIT-0",
    "Apache-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Zlib",
    "MPL-2.0",
    "LGPL-3.0-or-later",
    "GPL-3.0-or-later",
    "AGPL-3.0-or-later",
    "Unlicense",
    "WTFPL",
)


def canonical_license(value: str) -> str | None:
    """The SPDX id matching value (any case), or None when it is not one we know."""
    lowered = value.strip().lower()
    for spdx in SPDX_LICENSES:
        if spdx.lower() == lowered:
            return spdx
    return None
