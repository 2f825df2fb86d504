"""Exports in pretix's shape: one ``ListExporter`` base, one class per export, one method per
format. ``formats`` holds the writers they share."""
