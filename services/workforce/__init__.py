"""Workforce service (社工人才队伍): organisations, social workers, supervisors, county baseline."""
