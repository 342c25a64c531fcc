"""Survey metrics without storage (DESIGN.md 8): AAPOR outcome rates."""

from interviewer.metrics.aapor import RATE_NAMES, aapor_fractions, aapor_rates, proportional_e

__all__ = ["RATE_NAMES", "aapor_fractions", "aapor_rates", "proportional_e"]
