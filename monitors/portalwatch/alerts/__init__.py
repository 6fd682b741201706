"""Alerts: what each unit, the VP office and ops are told."""
