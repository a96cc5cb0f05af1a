"""Hooks and the optional OpenTelemetry layer; nothing here runs when no hook is set."""
