"""Helpers for the store tests: a synthetic Article factory and scripts run as subprocesses."""
