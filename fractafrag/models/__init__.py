"""The data model, one module per aggregate; importing this registers every table."""

from fractafrag.models.apikey import ApiKey
from fractafrag.models.billing import BillingAccount, BountyPledge, Payout, StripeEvent
from fractafrag.models.byok import ByokKey
from fractafrag.models.community import (
    Block,
    Comment,
    Follow,
    ModerationAction,
    Notification,
    Playlist,
    PlaylistItem,
    Report,
)
from fractafrag.models.desire import Desire, DesireCluster, DesireFulfillment
from fractafrag.models.export import Export
from fractafrag.models.jam import Jam, JamParticipant, JamUpdate
from fractafrag.models.media import Media, MediaUse
from fractafrag.models.shader import Shader, ShaderVersion
from fractafrag.models.user import User
from fractafrag.models.vote import DwellEvent, Vote

__all__ = [
    "ApiKey",
    "BillingAccount",
    "BountyPledge",
    "Block",
    "ByokKey",
    "Comment",
    "Desire",
    "DesireCluster",
    "DesireFulfillment",
    "DwellEvent",
    "Export",
    "Follow",
    "Jam",
    "JamParticipant",
    "JamUpdate",
    "Media",
    "MediaUse",
    "ModerationAction",
    "Notification",
    "Payout",
    "Playlist",
    "PlaylistItem",
    "Report",
    "Shader",
    "ShaderVersion",
    "StripeEvent",
    "User",
    "Vote",
]
