"""What tests share: actors, ids, problem checks, waiting, isolated infrastructure, the running system.

Fixtures live in each folder's ``conftest.py``; everything else a test imports comes from here, never from a
``conftest.py`` or another test module.
"""
