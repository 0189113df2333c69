"""How the system runs: the local launcher and deployment configuration."""
