"""Shequn (社群): cross-border social-community commerce."""
