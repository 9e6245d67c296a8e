"""What service levers cost the sellers beyond the standard service (docs/model.md section 7.10).

The standard service is the schema's default `ServiceConfig` (configs/service/default.yaml):
the level at which a seller pays nothing extra for service. Two amounts follow an order:

- `service_fee`: money a seller pays per order for service better than the standard, booked
  in the ledger: express delivery, better listings, faster replies, more payment methods
  (priced by `platform.express_premium`, `listing_cost`, `reply_cost`, `local_payment_cost`).
  Below the standard nothing is saved: those are the market's standard terms.
- `service_cost`: what the run's service levels cost on the order against the standard's, the
  cost of a lever a strategist weighs: the service fee, plus shipping fees forgone (the buyer
  charged less than the standard's share of shipping), plus customs handling beyond the
  standard's mix of duties-paid and warehouse parcels, plus (on a return) the return shipping
  the seller bears beyond the standard's share. It is accounting, not money moved: those parts
  are already booked where they happen, and it is negative where a lever is cheaper than the
  standard.

At the standard service both are exactly zero, so a market at the default service costs and
books what it did before these prices existed.
"""

from __future__ import annotations

import numpy as np

from sim.config.schema import PlatformConfig, ServiceConfig

STANDARD = ServiceConfig()


def upgrade_fees(
    service: ServiceConfig, platform: PlatformConfig, price: np.ndarray, shipping: np.ndarray
) -> np.ndarray:
    """Per order, what service better than the standard costs the seller (reference units):
    express delivery on the route's shipping cost, listings, replies and payment methods on
    the goods price or per order."""
    express = platform.express_premium * max(
        0.0, 1.0 / service.logistics_speed - 1.0 / STANDARD.logistics_speed
    )
    listings = platform.listing_cost * (
        max(0.0, service.picture_quality - STANDARD.picture_quality)
        + max(0.0, service.video_share - STANDARD.video_share)
    )
    payments = platform.local_payment_cost * max(
        0.0, service.local_payment - STANDARD.local_payment
    )
    halvings = max(0.0, np.log2((STANDARD.reply_hours + 1.0) / (service.reply_hours + 1.0)))
    return express * shipping + (listings + payments) * price + platform.reply_cost * halvings


def checkout_cost(
    service: ServiceConfig,
    platform: PlatformConfig,
    fees: np.ndarray,
    shipping: np.ndarray,
    domestic: np.ndarray,
) -> np.ndarray:
    """Per paid order, the lever cost known at checkout: the service fee, the shipping fee
    forgone against the standard's share, and customs handling beyond the standard's
    expected mix for a parcel that leaves its country."""
    forgone = (STANDARD.shipping_fee_share - service.shipping_fee_share) * shipping
    handling = _expected_handling(service, platform) - _expected_handling(STANDARD, platform)
    return fees + forgone + np.where(domestic, 0.0, handling)


def return_cost(hassle: np.ndarray, exempt: np.ndarray, return_shipping: np.ndarray) -> np.ndarray:
    """Per returned order, the return shipping the seller bears beyond what it would under the
    standard return policy: `hassle` is the buyer's share the order had, `exempt` the orders
    whose return is free whatever the policy (a trial, a parcel refused at the door)."""
    standard = np.where(exempt, 0.0, STANDARD.return_hassle)
    return (standard - hassle) * return_shipping


def _expected_handling(service: ServiceConfig, platform: PlatformConfig) -> float:
    """Expected handling fee of a parcel to another country under the service's mix of
    warehouse, duties-paid and duties-unpaid sellers."""
    warehouse = service.local_warehouse
    return warehouse * service.warehouse_fee + (1 - warehouse) * service.ddp_share * (
        platform.ddp_fee
    )
