"""REST resource: payments with Stripe (the Pro plan, webhooks, payouts) and bounty pledges."""
