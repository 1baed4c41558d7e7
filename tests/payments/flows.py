"""Steps the bounty tests share: an artist's shader offered to a desire and accepted."""

from __future__ import annotations

from tests.api.shader_helpers import published
from tests.helpers import bearer


def fulfil(client, asker, fulfiller, desire_id: int, title: str = "Ocean at dusk") -> dict:
    """The fulfiller offers a shader of theirs; the asker accepts it (the accepted desire)."""
    shader = published(client, fulfiller, title=title)
    offer = client.post(f"/api/v1/desires/{desire_id}/fulfill", json={"shader_id": shader["id"]},
                        headers=bearer(fulfiller["access_token"]))
    assert offer.status_code == 201, offer.json
    accepted = client.post(f"/api/v1/desires/{desire_id}/offers/{offer.json['id']}/accept",
                           headers=bearer(asker["access_token"]))
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["status"] == "fulfilled"
    return accepted.json
