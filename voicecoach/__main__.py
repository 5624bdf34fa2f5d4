"""Run the command line as `python -m voicecoach`."""
from .cli import main

main()
