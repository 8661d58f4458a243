"""The UUID of the annotation a review's accept makes of a plugin result: derived (uuid5) from the
result's own, so accepting a candidate twice, or on two machines, makes one annotation, and the
store can tell an accepted annotation from the result it was made of (carried_decisions.py)."""

from __future__ import annotations

import uuid

NAMESPACE = uuid.UUID("6f1c0f55-2d0a-5b8e-9a57-8d2f1a3c4e61")  # fixed forever: changing it forks every UUID


def accepted_uuid(result_uuid: str) -> str:
    return str(uuid.uuid5(NAMESPACE, result_uuid.lower()))
