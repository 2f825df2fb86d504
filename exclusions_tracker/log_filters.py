"""Logging filters for production logs."""

import logging


class NoTracebackForClientErrors(logging.Filter):
    """Django attaches the exception to its warning for every 403 and 404 it raised, so each
    refused request writes a traceback: noise that buries the real errors. Keep the one-line
    warning, drop the traceback; 5xx records keep theirs."""

    def filter(self, record: logging.LogRecord) -> bool:
        if 400 <= getattr(record, "status_code", 0) < 500:
            record.exc_info = None
            record.exc_text = None
        return True
