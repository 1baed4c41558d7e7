"""Bring-your-own-key: a user's AI provider keys, encrypted at rest, and where they may point.

Keys are encrypted with `cryptography`'s MultiFernet. `FRACTAFRAG_BYOK_KEYS` lists Fernet keys
separated by commas: the first encrypts, every one decrypts, so the server key can rotate
(put the new key first, keep the old one after it, run `rotate_all()`, then drop the old one).
Without it, one Fernet key is derived from SECRET_KEY: HKDF-SHA256 with salt
`fractafrag-byok`, info `byok-fernet-v1`, 32 bytes, url-safe base64. Changing SECRET_KEY then
makes the stored keys unreadable; people save them again.

A key's plaintext is only ever held in memory for one provider call: it is never logged, never
put in a job's arguments or state, and answers show only its last 4 characters.

`base_url` lets the `openai` provider speak to any OpenAI-compatible server (Ollama, llama.cpp,
vLLM). Since the server fetches it, it is checked against server-side request forgery: http or
https only, and every address the host resolves to must be a public one (no private, loopback,
link-local, shared, multicast or reserved addresses) unless `FRACTAFRAG_BYOK_ALLOW_LOCAL=1`.
It is checked when saved and again before every request (services/providers.py connects to the
very address it checked, and follows no redirects).
"""

from __future__ import annotations

import base64
import ipaddress
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

from fractafrag.extensions import db
from fractafrag.models import ByokKey
from fractafrag.services import NotFound, ServiceError

PROVIDERS = ("openai", "anthropic")
DEFAULT_MODELS = {"openai": "gpt-4o-mini", "anthropic": "claude-3-5-sonnet-latest"}
DEFAULT_BASE_URLS = {"openai": "https://api.openai.com/v1", "anthropic": "https://api.anthropic.com"}
PROVIDER_LABELS = {"openai": "OpenAI-compatible", "anthropic": "Anthropic"}
HKDF_SALT = b"fractafrag-byok"
HKDF_INFO = b"byok-fernet-v1"
MAX_KEY_LENGTH = 512
SHOWN_SUFFIX = 4
MIN_LENGTH_TO_SHOW_SUFFIX = 12


class KeyUnreadable(ServiceError):
    """A stored key cannot be decrypted with the server's current keys."""

    status = 409


@dataclass(frozen=True)
class ProviderKey:
    """Everything needed to call a provider for one user; `api_key` is the plaintext."""

    provider: str
    api_key: str
    base_url: str
    model: str

    def __repr__(self) -> str:  # never print the key, even in a traceback
        return f"ProviderKey(provider={self.provider!r}, base_url={self.base_url!r}, " \
               f"model={self.model!r}, api_key='••••')"


def derived_key(secret_key: str) -> bytes:
    """The Fernet key derived from SECRET_KEY when FRACTAFRAG_BYOK_KEYS is not set."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=HKDF_SALT, info=HKDF_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret_key.encode("utf-8")))


def fernet_keys() -> list[bytes]:
    """The server's Fernet keys, the encrypting one first."""
    configured = [k.strip() for k in (current_app.config.get("BYOK_KEYS") or "").split(",")]
    configured = [k for k in configured if k]
    if not configured:
        return [derived_key(current_app.config["SECRET_KEY"])]
    return [k.encode("ascii") for k in configured]


def cipher() -> MultiFernet:
    """The MultiFernet of the configured keys; a malformed key is a configuration error."""
    keys = fernet_keys()
    cache: dict[tuple[bytes, ...], MultiFernet] = current_app.extensions.setdefault(
        "fractafrag.byok_cipher", {})
    cache_key = tuple(keys)
    if cache_key not in cache:
        try:
            cache[cache_key] = MultiFernet([Fernet(k) for k in keys])
        except ValueError as error:
            raise RuntimeError("FRACTAFRAG_BYOK_KEYS must be comma-separated Fernet keys "
                               "(32 url-safe base64-encoded bytes each, as made by "
                               "Fernet.generate_key()).") from error
    return cache[cache_key]


def encrypt(plaintext: str) -> bytes:
    """Encrypt a provider key with the first server key."""
    return cipher().encrypt(plaintext.encode("utf-8"))


def decrypt(ciphertext: bytes) -> str:
    """Decrypt a stored provider key with any server key; KeyUnreadable when none fits."""
    try:
        return cipher().decrypt(bytes(ciphertext)).decode("utf-8")
    except InvalidToken as error:
        raise KeyUnreadable("A stored provider key can no longer be decrypted (the server's "
                            "keys changed); save it again in Settings.",
                            {"api_key": ["Save this key again."]}) from error


def check_provider(provider: str) -> str:
    """The provider name if known; otherwise a 422 naming `provider`."""
    if provider not in PROVIDERS:
        shown = provider if len(provider) <= 40 else provider[:40] + "…"
        message = f"Unknown provider {shown!r}; choose one of: {', '.join(PROVIDERS)}."
        raise ServiceError(message, {"provider": [message]})
    return provider


def _refuse_url(message: str) -> ServiceError:
    return ServiceError(f"base_url: {message}", {"base_url": [message]})


NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64, compatible):
    reaching it may reach them, so they are checked too."""
    inside: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        inside.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        inside.append(ip.sixtofour)
    if ip.teredo is not None:
        inside.extend(ip.teredo)
    if ip in NAT64:
        inside.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if int(ip) >> 32 == 0 and int(ip) > 1:  # ::a.b.c.d, the deprecated IPv4-compatible form
        inside.append(ipaddress.IPv4Address(int(ip)))
    return inside


def address_refusal(address: str) -> str | None:
    """Why a server may not connect to address (private, loopback, …); None when public.
    An IPv6 address carrying an IPv4 one (6to4, Teredo, NAT64, mapped) is refused when the
    IPv4 inside is."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        for inside in _embedded_ipv4(ip):
            refusal = address_refusal(str(inside))
            if refusal is not None:
                return f"{ip} carries {inside}: {refusal}"
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
    kinds = (("loopback", ip.is_loopback), ("link-local", ip.is_link_local),
             ("unspecified", ip.is_unspecified), ("multicast", ip.is_multicast),
             ("private", ip.is_private), ("reserved", ip.is_reserved))
    for kind, flag in kinds:
        if flag:
            return f"{ip} is a {kind} address"
    if not ip.is_global:
        return f"{ip} is not a public address"
    return None


def split_base_url(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of an http(s) base URL; a 422 naming base_url when it is not one."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise _refuse_url(f"not a valid URL ({error}).") from error
    if parts.scheme not in ("http", "https"):
        raise _refuse_url("must start with http:// or https://.")
    if not parts.hostname:
        raise _refuse_url("names no host.")
    if parts.username or parts.password:
        raise _refuse_url("must not contain a user name or password; save the key instead.")
    if parts.query or parts.fragment:
        raise _refuse_url("must not have a query (?…) or fragment (#…).")
    return parts.scheme, parts.hostname, port or (443 if parts.scheme == "https" else 80)


def resolve(host: str, port: int, allow_local: bool) -> list[str]:
    """Every address host resolves to; a 422 naming base_url when one is not public."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise _refuse_url(f"the host {host!r} could not be resolved.") from error
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not addresses:
        raise _refuse_url(f"the host {host!r} has no address.")
    if not allow_local:
        for address in addresses:
            reason = address_refusal(address)
            if reason is not None:
                raise _refuse_url(
                    f"{host} resolves to {address}, and {reason}: the server will not send "
                    "requests there (a self-hoster can allow local providers with "
                    "FRACTAFRAG_BYOK_ALLOW_LOCAL=1).")
    return addresses


def check_base_url(url: str | None) -> str | None:
    """The base URL without a trailing slash, checked against SSRF; None when not given."""
    if url is None or not url.strip():
        return None
    url = url.strip().rstrip("/")
    _scheme, host, port = split_base_url(url)
    resolve(host, port, bool(current_app.config["BYOK_ALLOW_LOCAL"]))
    return url


def last4(api_key: str) -> str:
    """The characters shown to recognise a key: its last 4, or none for a short key."""
    return api_key[-SHOWN_SUFFIX:] if len(api_key) >= MIN_LENGTH_TO_SHOW_SUFFIX else ""


def save_key(user_id: int, provider: str, api_key: str, base_url: str | None = None,
             model: str | None = None) -> ByokKey:
    """Store (or replace) the user's key for provider, encrypted; returns the row."""
    check_provider(provider)
    api_key = (api_key or "").strip()
    if not api_key:
        raise ServiceError("api_key: give the provider's key.", {"api_key": ["Give the key."]})
    if len(api_key) > MAX_KEY_LENGTH or any(c.isspace() for c in api_key):
        message = f"A key is one word of at most {MAX_KEY_LENGTH} characters."
        raise ServiceError(f"api_key: {message}", {"api_key": [message]})
    base_url = check_base_url(base_url)
    model = (model or "").strip() or None
    row = db.session.scalar(sa.select(ByokKey).where(ByokKey.user_id == user_id,
                                                     ByokKey.provider == provider)
                            .with_for_update())
    if row is None:
        row = ByokKey(user_id=user_id, provider=provider)
        db.session.add(row)
    row.ciphertext = encrypt(api_key)
    row.last4 = last4(api_key)
    row.base_url = base_url
    row.model = model
    db.session.commit()
    return row


def list_keys(user_id: int) -> list[ByokKey]:
    """The user's provider keys, by provider name."""
    return list(db.session.scalars(sa.select(ByokKey).where(ByokKey.user_id == user_id)
                                   .order_by(ByokKey.provider)))


def get_key(user_id: int, provider: str) -> ByokKey:
    """The user's key row for provider, or NotFound."""
    check_provider(provider)
    row = db.session.scalar(sa.select(ByokKey).where(ByokKey.user_id == user_id,
                                                     ByokKey.provider == provider))
    if row is None:
        raise NotFound(f"You have no {provider} key.")
    return row


def delete_key(user_id: int, provider: str) -> None:
    """Forget the user's key for provider (NotFound when there is none)."""
    db.session.delete(get_key(user_id, provider))
    db.session.commit()


def provider_key(user_id: int, provider: str) -> ProviderKey:
    """The decrypted key with its effective base URL and model, for one provider call."""
    row = get_key(user_id, provider)
    return ProviderKey(provider=provider, api_key=decrypt(row.ciphertext),
                       base_url=row.base_url or DEFAULT_BASE_URLS[provider],
                       model=row.model or DEFAULT_MODELS[provider])


def describe(row: ByokKey) -> dict[str, Any]:
    """What answers show of a key: never the key itself, only its last 4 characters."""
    return {"provider": row.provider, "model": row.model or DEFAULT_MODELS[row.provider],
            "base_url": row.base_url, "last4": row.last4, "updated_at": row.updated_at}


def rotate_all() -> int:
    """Re-encrypt every stored key with the first server key (after adding a new one)."""
    count = 0
    for row in db.session.scalars(sa.select(ByokKey)):
        try:
            row.ciphertext = cipher().rotate(bytes(row.ciphertext))
        except InvalidToken:
            continue  # unreadable with every key: its owner has to save it again
        count += 1
    db.session.commit()
    return count
