"""Prefect flows: thin glue over portalwatch's stages (retries, logs, artifacts live here only)."""
