"""The one exception type users see as a one-line message instead of a traceback."""


class TalentbenchError(Exception):
    """An error caused by the user's input or environment, reported as one clear line."""
