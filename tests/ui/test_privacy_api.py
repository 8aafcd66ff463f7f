"""What is stored about each person, retention, and erasing a person's data."""

from __future__ import annotations

from homeloom.house import House
from homeloom.orchestrator import Persistence

from .conftest import Api


async def test_privacy_counts_retention_and_erasure(people: dict[str, Api], house: House) -> None:
    bob = people["bob"]
    await bob.post("/api/services/light/turn_on", {"target": {"entity_id": "light.hall"}})
    mine = await bob.get("/api/privacy")
    (me,) = mine["people"]
    assert me["user_id"] == "bob" and me["history"] >= 1 and me["audit"] >= 2
    everyone = {p["user_id"] for p in (await people["alice"].get("/api/privacy"))["people"]}
    assert {"alice", "bob", "gus"} <= everyone
    await bob.post("/api/privacy/alice/erase", status=403)
    erased = await people["alice"].post("/api/privacy/bob/erase")
    assert erased["user_id"] == "bob" and erased["removed"] >= 3
    (after,) = (await bob.get("/api/privacy"))["people"]
    assert after["history"] == 0 and after["audit"] == 0
    await bob.request("PUT", "/api/privacy/retention", {"history_days": 3}, status=403)
    changed = await people["alice"].request(
        "PUT", "/api/privacy/retention", {"history_days": 3, "audit_days": 90}
    )
    assert changed["retention"] == {"history_days": 3.0, "audit_days": 90.0}
    store = house.runtime.components["persistence"]
    assert isinstance(store, Persistence) and store.history_retention.days == 3
    await people["alice"].request("PUT", "/api/privacy/retention", {"history_days": 0}, status=400)
    await bob.post("/api/privacy/bob/erase")


async def test_where_a_person_was_is_counted_and_erased(
    people: dict[str, Api], house: House
) -> None:
    states = house.runtime.states
    for where in ("home", "not_home", "home"):
        states.set("device_tracker.bob_phone", where)
        states.set("person.bob", where, {"source": "device_tracker.bob_phone"})
    states.set("person.carol", "home")  # someone else's whereabouts stay
    bob = people["bob"]
    (me,) = (await bob.get("/api/privacy"))["people"]
    assert me["presence_entities"] == ["person.bob", "device_tracker.bob_phone"]
    assert me["presence"] == 6
    erased = await bob.post("/api/privacy/bob/erase")
    assert erased["removed"] >= 6
    (after,) = (await bob.get("/api/privacy"))["people"]
    assert after["presence"] == 0
    store = house.runtime.components["persistence"]
    assert store.history_count(["person.carol"]) == 1
