"""Fieldwork rules without storage (DESIGN.md 6): AAPOR dispositions, the project's call
outcomes, and the pure scheduling rules the case queue and the CATI screen apply."""
