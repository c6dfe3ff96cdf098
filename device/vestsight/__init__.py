"""Vestsight: an offline assistant for blind people, worn on the chest."""

__version__ = "0.1.0"
