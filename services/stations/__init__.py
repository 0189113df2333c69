"""Stations service (社工站): the county plan, township stations, service contracts, ledgers and oversight."""
