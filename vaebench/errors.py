"""The one error type users see: a one-line message naming what is wrong and how to fix it.

The CLI turns it into `vaebench: error: <message>` on stderr and exit code 2; anything else is a bug
and keeps its traceback.
"""


class UserError(Exception):
    """Bad input (config, data, arguments): reported in one line, exit code 2, no partial output."""
