"""Data files shipped with Fractafrag (common-password list)."""
