"""case-assist-check: audit the analytics events a live Coveo Case Assist page logs."""

__version__ = "0.1.0"
