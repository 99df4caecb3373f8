"""The semi-integrated payment terminal on a serial line: Concert framing, kiosk messages.

``framing`` and ``messages`` are pure (bytes in, values out); ``link`` and ``ecr_terminal``
handle the port. PROTOCOL.md documents the wire format.
"""
