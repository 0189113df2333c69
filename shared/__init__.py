"""The project's common package: what every service needs and nothing else."""
