"""Survey metrics without storage (DESIGN.md 8): AAPOR outcome rates, NPS, CSAT, CES."""

from interviewer.metrics.aapor import RATE_NAMES, aapor_fractions, aapor_rates, proportional_e
from interviewer.metrics.cx import MeanResult, NpsResult, ShareResult, ces, csat, nps

__all__ = ["RATE_NAMES", "MeanResult", "NpsResult", "ShareResult", "aapor_fractions",
           "aapor_rates", "ces", "csat", "nps", "proportional_e"]
