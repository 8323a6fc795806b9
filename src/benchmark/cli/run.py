"""`talentbench` subcommands for this area (filled in by its stage)."""

commands: list = []
