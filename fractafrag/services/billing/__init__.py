"""Billing with Stripe: the client and its settings, the Pro plan, bounties on desires, webhooks.

Payments are on when STRIPE_SECRET_KEY is set; otherwise every payment action raises
PaymentsOff (503) and pages hide the payment UI. The modules depend on each other in one
direction only: `stripe_client` ← `plans` ← `bounties` ← `webhooks` (which dispatches every
event to the module that owns it).
"""
