"""Cluster detection, alert lifecycle, digests and mail delivery."""
