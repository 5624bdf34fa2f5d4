"""voicecoach: turn a back-care routine into a spoken session you can follow with your eyes closed."""

__version__ = "0.1.0"
