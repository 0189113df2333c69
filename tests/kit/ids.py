"""Valid identifiers for test people and organisations."""

from __future__ import annotations


def national_id(seq: int, born: str = "19900101") -> str:
    """A valid (GB 11643) national id number for test person ``seq``."""
    from services.workforce.domain import national_id_check_char

    first17 = f"522701{born}{seq:03d}"
    return first17 + national_id_check_char(first17)


def credit_code(seq: int, tag: str = "MJK") -> str:
    """A valid (GB 32100) unified social credit code for test organisation ``seq``."""
    from services.workforce.domain import credit_code_check_char

    first17 = f"52522700{tag}{seq:06d}"
    return first17 + credit_code_check_char(first17)
