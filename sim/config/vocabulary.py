"""The model's code lists, each defined once: what a config may choose and what the logs
record. Everything else refers to these names."""

from __future__ import annotations

# --- traders --------------------------------------------------------------------------------
ROLES = ("buyer", "seller")
BUYER_TYPES = ("loyal", "bargain_hunter", "occasional", "risky")  # hidden; sellers never see it
PRODUCTS = ("entry", "standard", "premium")  # each seller's line, by price tier
FLIP_DIRECTIONS = ("to_seller", "to_buyer")

# --- marketing ------------------------------------------------------------------------------
NO_MARKETING = "no_marketing"  # the strategy group of sellers who do no marketing
CHANNEL_NAMES = ("onsite", "edm", "skype", "whatsapp")  # the contact channels, in this order
CHANNELS = ("none", *CHANNEL_NAMES)  # log codes: 0 for an order no contact led to
TOOLS = ("coupon", "sample", "trial")  # promotion tools
PROMOTIONS = ("none", *TOOLS)  # log codes: what an offer or contact carried
NO_PROMOTION, COUPON, SAMPLE, TRIAL = range(len(PROMOTIONS))
STAGES = ("prospect", "new", "active", "loyal", "at_risk", "churned")  # a customer's life cycle
RFM_TIERS = ("prospect", "new", "potential", "loyal", "champions", "at_risk", "hibernating")
MAX_CLUSTERS = 50
# Segment codes: 0 = no segment (organic order, or no contact), then every label a
# segmentation can give; one list for all runs so codes mean the same everywhere.
SEGMENTS = ("none", "all", *RFM_TIERS, *(f"cluster_{i}" for i in range(MAX_CLUSTERS)))
CONTACT_OUTCOMES = ("", "landed", "ignored", "unreached", "unsubscribed")

# --- what a strategy may be composed of (configs/strategy/) ----------------------------------
SEGMENTATIONS = ("none", "kmeans", "rfm")
PRODUCT_SELECTIONS = ("bestseller", "tag_matching", "tiered")
CHANNEL_CHOICES = ("fixed", "by_stage", "learned")
# matched: the tool each customer responds to; by_segment: the tool each segment responds to
PROMOTION_CHOICES = (*PROMOTIONS, "matched", "by_segment")
TIMINGS = ("cadence", "lifecycle", "calendar", "combined")

# --- the market and the shopping day ------------------------------------------------------------
SHOCK_KINDS = ("fx", "duty", "shipping", "demand", "de_minimis", "vat_at_checkout")
EVENT_KINDS = (
    "session",
    "inquiry",
    "abandonment",
    "flip",
    "contact",
    "segmentation",
    "lapse",  # a buyer stopped shopping on the platform (other: the seller of its last order)
    "comeback",  # a lapsed buyer came back (detail: "contact" when a contact brought it)
    "abandonment_reason",  # one per reason that struck an abandoned cart (detail: the reason)
    "refusal",  # a buyer refused a duties-unpaid parcel at the door (value: the charges due)
)
# Why carts are abandoned, one to one with the Baymard Institute's checkout survey
# (docs/model.md section 7.9): extra costs too high (shipping, tax, fees); delivery too slow;
# did not trust the site with card details; returns policy not satisfactory; not enough
# payment methods; credit card declined.
ABANDONMENT_REASONS = (
    "extra_costs",
    "delivery_time",
    "trust",
    "return_policy",
    "payment_method",
    "card_declined",
)
# How an order reaches its buyer: from its own country; across the border duties unpaid (the
# buyer pays duty and VAT due at the door) or duties paid (the seller prices them in); or from
# a warehouse in the buyer's country (the seller imported the stock, duties paid).
DELIVERY_TERMS = ("domestic", "ddu", "ddp", "warehouse")
DOMESTIC, DDU, DDP, WAREHOUSE = range(len(DELIVERY_TERMS))
INQUIRY_OUTCOMES = ("kept", "lost")


def channel_code(position):
    """A channel's log code (`CHANNELS`) from its position in `CHANNEL_NAMES`."""
    return position + 1
