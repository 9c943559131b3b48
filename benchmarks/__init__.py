"""Benchmarks for dpv: a seeded corpus generator and throughput/memory runs against the parse floor and peers.

Not part of the installed package and not collected by pytest. Entry point: `python -m benchmarks`.
"""
