"""The data model, one module per aggregate; importing this registers every table."""

from fractafrag.models.apikey import ApiKey
from fractafrag.models.billing import BillingAccount, BountyPledge, Payout, StripeEvent
from fractafrag.models.byok import ByokKey
from fractafrag.models.desire import Desire, DesireCluster, DesireFulfillment
from fractafrag.models.shader import Shader, ShaderVersion
from fractafrag.models.user import User
from fractafrag.models.vote import DwellEvent, Vote

__all__ = [
    "ApiKey",
    "BillingAccount",
    "BountyPledge",
    "ByokKey",
    "Desire",
    "DesireCluster",
    "DesireFulfillment",
    "DwellEvent",
    "Payout",
    "Shader",
    "ShaderVersion",
    "StripeEvent",
    "User",
    "Vote",
]
